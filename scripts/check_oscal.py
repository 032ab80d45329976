"""Loads Hoshi's OSCAL output with IBM's compliance-trestle, an independent OSCAL implementation,
and checks what other tools rely on. Prints one line per check and a summary; exits 1 on failure.

usage: check_oscal.py catalog FILE [--expect-level3 N]
       check_oscal.py assessment-results FILE [--catalog CATALOG_FILE] [--expect-findings N]
       check_oscal.py poam FILE --assessment-results AR_FILE [--expect-items N]

A POA&M is loaded with trestle's plan-of-action-and-milestones model, and every poam-item's
related findings must be findings of the assessment results (same UUIDs) and of the POA&M.

With --catalog, the assessment results are also checked against that catalog: every finding
targets one of its criteria (items) and the findings are exactly the criteria up to the
result's target level.
"""
import pathlib
import sys

from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog

NS = "https://hoshi.example.jp/ns/oscal"

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


def hoshi_props(obj, name):
    return [p.value for p in (getattr(obj, "props", None) or []) if p.name == name and str(p.ns or "").rstrip("/") == NS]


def check_assessment_results(path, catalog_path, expect_findings):
    try:
        ar = AssessmentResults.oscal_read(pathlib.Path(path))
    except Exception as e:  # trestle raises pydantic/trestle errors with the reason
        check(False, f"{path}: loads as OSCAL assessment-results in compliance-trestle ({e})")
        return
    check(ar is not None, f"{path}: loads as OSCAL assessment-results in compliance-trestle")
    if ar is None:
        return
    results = ar.results or []
    check(len(results) == 1, f"{path}: exactly one result, found {len(results)}")
    if not results:
        return
    r = results[0]
    findings = r.findings or []
    observations = r.observations or []
    targets = [f.target.target_id for f in findings]
    dupes = sorted({t for t in targets if targets.count(t) > 1})
    check(
        findings and not dupes and all(f.target.type.value == "objective-id" for f in findings),
        f"{path}: one finding per criterion ({len(findings)} findings, objective targets; duplicates: {dupes[:5]})",
    )
    check(len(observations) == len(findings), f"{path}: one observation per finding ({len(observations)} observations)")
    obs_uuids = {o.uuid for o in observations}
    unlinked = [f.target.target_id for f in findings
                if not f.related_observations or any(ro.observation_uuid not in obs_uuids for ro in f.related_observations)]
    check(not unlinked, f"{path}: every finding links to its observation (unlinked: {unlinked[:5]})")
    states = {}
    bad_state = []
    for f in findings:
        s = f.target.status.state.value if f.target.status else None
        states[s] = states.get(s, 0) + 1
        if s not in ("satisfied", "not-satisfied"):
            bad_state.append(f.target.target_id)
    check(not bad_state, f"{path}: every finding is satisfied or not-satisfied: {states} (bad: {bad_state[:5]})")
    na = [f for f in findings if "true" in hoshi_props(f, "not-applicable")]
    no_reason = [f.target.target_id for f in na
                 if not any(v.strip() for v in hoshi_props(f, "not-applicable-reason"))]
    check(not no_reason, f"{path}: every not-applicable finding gives its reason ({len(na)} not applicable; without reason: {no_reason[:5]})")
    if expect_findings is not None:
        check(len(findings) == expect_findings, f"{path}: {expect_findings} findings, found {len(findings)}")
    if catalog_path is not None:
        cat = Catalog.oscal_read(pathlib.Path(catalog_path))
        levels = {}
        for g in cat.groups or []:
            for c in g.controls or []:
                for i in walk_items(c.parts):
                    lv = [p.value for p in (i.props or []) if p.name == "level"]
                    levels[i.id] = int(lv[0]) if lv else None
        unknown = [t for t in targets if t not in levels]
        check(not unknown, f"{path}: every finding targets a criterion of {catalog_path} (unknown: {unknown[:5]})")
        target_level = hoshi_props(r, "target-level")
        if len(target_level) == 1 and target_level[0].isdigit():
            want = [i for i, lv in levels.items() if lv is not None and lv <= int(target_level[0])]
            missing = [i for i in want if i not in set(targets)]
            extra = [t for t in targets if t in levels and t not in set(want)]
            check(not missing and not extra,
                  f"{path}: findings are exactly the {len(want)} criteria up to ★{target_level[0]} (missing: {missing[:5]}; beyond: {extra[:5]})")
        else:
            check(False, f"{path}: the result carries one numeric target-level prop, found {target_level}")


def check_poam(path, ar_path, expect_items):
    from trestle.oscal.poam import PlanOfActionAndMilestones
    try:
        poam = PlanOfActionAndMilestones.oscal_read(pathlib.Path(path))
    except Exception as e:
        check(False, f"{path}: loads as OSCAL plan-of-action-and-milestones in compliance-trestle ({e})")
        return
    check(poam is not None, f"{path}: loads as OSCAL plan-of-action-and-milestones in compliance-trestle")
    if poam is None:
        return
    items = poam.poam_items or []
    if expect_items is not None:
        check(len(items) == expect_items, f"{path}: {expect_items} poam-items (one per task), found {len(items)}")
    own = {str(f.uuid) for f in (poam.findings or [])}
    ar = AssessmentResults.oscal_read(pathlib.Path(ar_path))
    ar_findings = {str(f.uuid) for r in (ar.results or []) for f in (r.findings or [])}
    linked = [str(rf.finding_uuid) for i in items for rf in (i.related_findings or [])]
    check(bool(linked), f"{path}: the poam-items link findings ({len(linked)} links)")
    check(all(u in own for u in linked), f"{path}: every related finding is in the POA&M")
    check(all(u in ar_findings for u in linked), f"{path}: every related finding is a finding of {ar_path}")
    risks = {str(r.uuid): r for r in (poam.risks or [])}
    check(all(rr.risk_uuid and str(rr.risk_uuid) in risks for i in items for rr in (i.related_risks or [])), f"{path}: every poam-item's risk is in the POA&M")
    def token(v):
        while hasattr(v, "root") or hasattr(v, "__root__"):
            v = getattr(v, "root", None) if hasattr(v, "root") else getattr(v, "__root__")
        return str(getattr(v, "value", v))
    statuses = sorted({token(r.status) for r in risks.values()})
    check(set(statuses) <= {"open", "remediating", "closed", "deviation-requested"}, f"{path}: risk statuses {statuses}")


def option(argv, name, convert=str):
    if name in argv:
        return convert(argv[argv.index(name) + 1])
    return None


def main(argv):
    if len(argv) < 3 or argv[1] not in ("catalog", "assessment-results", "poam"):
        print(__doc__)
        return 2
    if argv[1] == "catalog":
        check_catalog(argv[2], option(argv, "--expect-level3", int))
    elif argv[1] == "poam":
        check_poam(argv[2], option(argv, "--assessment-results"), option(argv, "--expect-items", int))
    else:
        check_assessment_results(argv[2], option(argv, "--catalog"), option(argv, "--expect-findings", int))
    print(f"oscal: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
