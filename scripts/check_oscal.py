"""Loads Hoshi's OSCAL output with IBM's compliance-trestle, an independent OSCAL implementation,
and checks what other tools rely on. Prints one line per check and a summary; exits 1 on failure.

usage: check_oscal.py catalog FILE [--expect-level3 N]
"""
import pathlib
import sys

from trestle.oscal.catalog import Catalog

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}")


def walk_items(parts):
    for p in parts or []:
        if p.name == "item":
            yield p
        yield from walk_items(p.parts)


def check_catalog(path, expect_level3):
    cat = Catalog.oscal_read(pathlib.Path(path))
    check(cat is not None, f"{path}: loads as an OSCAL catalog in compliance-trestle")
    groups = cat.groups or []
    check(len(groups) == 7, f"{path}: 7 groups (categories), found {len(groups)}")
    items = [i for g in groups for c in (g.controls or []) for i in walk_items(c.parts)]
    levels = {}
    bad = []
    for i in items:
        lv = [p.value for p in (i.props or []) if p.name == "level"]
        if len(lv) != 1 or lv[0] not in {"1", "2", "3", "4", "5"}:
            bad.append(i.id)
        else:
            levels[lv[0]] = levels.get(lv[0], 0) + 1
    check(not bad, f"{path}: every criterion carries exactly one level 1-5 ({len(items)} criteria; bad: {bad[:5]})")
    check(all(levels.get(k, 0) > 0 for k in "12345"), f"{path}: criteria at every level: {dict(sorted(levels.items()))}")
    if expect_level3 is not None:
        check(levels.get("3") == expect_level3, f"{path}: {expect_level3} criteria at ★3, found {levels.get('3')}")


def main(argv):
    if len(argv) < 3 or argv[1] != "catalog":
        print(__doc__)
        return 2
    expect = None
    if "--expect-level3" in argv:
        expect = int(argv[argv.index("--expect-level3") + 1])
    check_catalog(argv[2], expect)
    print(f"oscal: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
