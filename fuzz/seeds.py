#!/usr/bin/env python3
"""Writes the hand-made seed inputs of every fuzz target into fuzz/corpus/<target>/seed-*.

Run once before the first fuzzing run (scripts/fuzz does); the corpora in the repository
already hold these seeds and what the fuzzer found from them. The registry fixtures
(fuzz/fixtures/: a demo registry's JWKS, log key, checkpoint and four bundles) come from
`hoshi demo --seed-only`, `hoshi registry bundle|jwks|export-tiles` (see fuzz/README.md).
"""
import io
import json
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    # Already there (perhaps under the hash name a minimised corpus gives it): nothing to add.
    for existing in os.listdir(d):
        with open(os.path.join(d, existing), "rb") as f:
            if f.read() == data:
                return
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def corporate_number(i):
    base = f"{100_000_000_000 + i:012d}"
    total = sum(int(d) * (1 if n % 2 == 1 else 2) for n, d in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


assert corporate_number(0)[1:] == "100000000000"
assert f"{9 - (2 + 5 + 2 + 2) % 9}000012050002" == "7000012050002"

# ---- supplier_file ----
N = [corporate_number(i) for i in range(1, 6)]
HEADER = "corporate_number,name,annual_purchase_yen,supplies,holds_confidential_data,outage_unacceptable,network_access,criticality,contact_email"
supplier = {
    "english.csv": f'{HEADER}\n{N[0]},Acme,"1,000,000",bolts,yes,no,1,high,buyer@acme.example.jp\n{N[1]},Beta,,nuts,,,,,\n',
    "minimal.csv": f"corporate_number,name\n{N[0]},A\n",
    "japanese.csv": "法人番号（必須）, 会社名 ,年間取引額,品目,機密情報,停止影響,社内システムへの接続,重要度,メールアドレス,備考\n"
    "７０００－０１２０－５０００２,国税商事,１，２３４円,部品,はい,○,有,高,a@b.co.jp,メモ\n"
    f"{N[1]},東京製作所,,,いいえ,×,なし,低,,\n{N[2]},大阪工業,¥500,保守,あり,〇,無,中,,\n",
    "bom-crlf.csv": f"\ufeffcorporate_number,name,criticality\r\n{N[0]},A,\r\n\r\n{N[1]},B,urgent\r\n,,\r\n{N[2]},C,high\r\n",
    "multiline.csv": f'corporate_number,name,supplies,contact_email\n{N[0]},A,"bolts\nnuts\n\nwashers",\n{N[1]},B,,not-an-email\n\n{N[2]},"C\nCo",,x@y\n',
    "errors.csv": f"name,corporate_number,annual_purchase_yen,network_access\n\nA,{N[0]},1.5,maybe\n\n , \nB,123,-5,yes\nC,{N[0]},¥1,000,no\n",
    "doubled-header.csv": f"法人番号,名称,name,重要度\n{N[0]},A,B,高\n",
    "no-required.csv": "name,supplies\nA,x\n",
}
for name, text in supplier.items():
    out("supplier_file", name, text)
out("supplier_file", "shift-jis.csv", "法人番号,名称,年間購入額,重要度\n" f"{N[0]},株式会社テスト,\\1,000,高\n{N[1]},東京製作所,,低\n".encode("shift_jis"))
out("supplier_file", "ole.xls", bytes([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + b"\0" * 24)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def xlsx(sheet_data, compression=zipfile.ZIP_STORED, shared=None):
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="取引先" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        + (f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>' if shared else "")
        + "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>',
    }
    if shared:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, text)
    return buf.getvalue()


def inline(cell, text):
    return f'<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>'


header = "".join(inline(f"{c}1", h) for c, h in zip("ABCDEF", ["法人番号", "名称", "年間購入額", "機密情報の保有", "重要度", "備考"]))
sheet = (
    f'<row r="1">{header}</row>'
    f'<row r="2"><c r="A2"><v>7000012050002</v></c>{inline("B2", "国税商事")}<c r="C2"><v>1500000</v></c><c r="D2" t="b"><v>1</v></c>{inline("E2", "高")}</row>'
    f'<row r="4">{inline("A4", N[1])}{inline("B4", "東京製作所")}{inline("C4", "¥2,000")}{inline("D4", "いいえ")}{inline("F4", "メモ")}</row>'
    f'<row r="5">{inline("A5", N[1])}{inline("B5", "重複")}{inline("E5", "最高")}</row>'
)
out("supplier_file", "stored.xlsx", xlsx(sheet))
out("supplier_file", "deflated.xlsx", xlsx(sheet, zipfile.ZIP_DEFLATED))
shared_sheet = f'<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c></row><row r="3"><c r="B3"><v>{N[2]}</v></c><c r="C3" t="s"><v>2</v></c></row>'
out("supplier_file", "shared-strings.xlsx", xlsx(shared_sheet, zipfile.ZIP_DEFLATED, ["corporate_number", "name", "Acme"]))
out("supplier_file", "empty.xlsx", xlsx(""))

# ---- archive ----
out("archive", "stored.xlsx", xlsx(sheet))
out("archive", "deflated.xlsx", xlsx(sheet, zipfile.ZIP_DEFLATED))
out("archive", "empty.xlsx", xlsx(""))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("a.xml", date_time=(1980, 1, 1, 0, 0, 0)), "<a/>" * 2000)
    z.writestr(zipfile.ZipInfo("b/", date_time=(1980, 1, 1, 0, 0, 0)), "")
out("archive", "two-entries.zip", buf.getvalue())
out("archive", "not-a-zip", b"PK\x03\x04 not really a zip")

# ---- catalog ----
ed_dir = os.path.join(ROOT, "catalog", "2026.03")
files = {n: open(os.path.join(ed_dir, n), encoding="utf-8").read() for n in sorted(os.listdir(ed_dir)) if n.endswith(".toml")}


def edition_input(fs):
    return "\0".join(f"{n}\n{t}" for n, t in fs.items())


# The edition file with each part on its own (refused: counts do not match) keeps inputs small.
for n, t in files.items():
    if n != "edition.toml":
        out("catalog", f"{n}", edition_input({"edition.toml": files["edition.toml"], n: t}))
out("catalog", "edition-only", edition_input({"edition.toml": files["edition.toml"]}))

SMALL_EDITION = """edition = "fuzz.1"
published = "2026-03-27"
title.ja = "小さな版"
title.en = "A small edition"
rule.ja = "規則"
rule.en = "Rule"
""" + "".join(
    f"""
[[level]]
level = {lv}
name.ja = "★{lv}"
name.en = "★{lv}"
description.ja = "説明"
description.en = "Description"
assessment = "{a}"
assessment_text.ja = "評価"
assessment_text.en = "Assessment"
{extra}"""
    for lv, a, extra in [
        (1, "self_declaration", ""),
        (2, "self_declaration", ""),
        (3, "self_assessment_expert_confirmed", "validity_months = 12\n"),
        (4, "third_party", "validity_months = 36\nannual_self_assessment = true\n"),
        (5, "to_be_decided", "provisional = true\n"),
    ]
) + """
[[category]]
number = 4
key = "protect"
csf_function = "PR"
name.ja = "防御"
name.en = "Protect"

[[declared]]
level = 3
requirements = 1
criteria = { protect = 1 }

[[declared]]
level = 4
requirements = 0
criteria = { protect = 1 }
"""
SMALL_PART = """[[requirement]]
id = "4-1-3"
category = "protect"
title.ja = "認証の強度"
title.en = "Authentication strength"

[[criterion]]
id = "4-1-3-1"
requirement = "4-1-3"
level = 3
text.ja = "多要素認証を使っている。"
text.en = "Multi-factor authentication is used."
guidance.ja = "手引き"
guidance.en = "Guidance"
evidence.ja = ["設定画面"]
evidence.en = ["Settings screen"]
csf = ["PR.AA-03"]
iso27001 = ["A.8.5"]
sp800_171 = ["03.05.03"]

[[criterion.cost]]
kind = "annual"
amount = 6000
per = "employee"

[[criterion]]
id = "4-1-3-2"
requirement = "4-1-3"
level = 4
text.ja = "特権には常に多要素認証。"
text.en = "Privileged access always uses MFA."
guidance.ja = "手引き"
guidance.en = "Guidance"
csf = ["PR.AA-05"]

[[criterion.cost]]
kind = "one_off"
amount = 100000
per = "company"

[[criterion.cost]]
kind = "hours"
amount = 8
per = "server"
"""
out("catalog", "small-edition", edition_input({"edition.toml": SMALL_EDITION, "4-protect.toml": SMALL_PART}))
out("catalog", "small-edition-own-ids", edition_input({
    "edition.toml": SMALL_EDITION,
    "4-protect.toml": SMALL_PART,
    "level5.toml": '[[requirement]]\nid = "L5-4-1"\ncategory = "protect"\ntitle.ja = "t"\ntitle.en = "t"\n\n'
    '[[criterion]]\nid = "L5-4-1-1"\nrequirement = "L5-4-1"\nlevel = 5\ntext.ja = "t"\ntext.en = "t"\nguidance.ja = "g"\nguidance.en = "g"\n',
}))

# ---- bundle, jws, signed_note ----
fx = os.path.join(HERE, "fixtures")
read = lambda n: open(os.path.join(fx, n), encoding="utf-8").read()
jwks = read("jwks.json")
for i in range(1, 5):
    b = read(f"bundle-{i}.json")
    out("bundle", f"bundle-{i}.json", b)
    cert = json.loads(b)["certificate"]
    out("jws", f"certificate-{i}", cert)
    out("jws", f"certificate-{i}-with-jwks", cert + "\n" + jwks)
b = json.loads(read("bundle-1.json"))
b["log"]["index"] += 1
out("bundle", "changed-index.json", json.dumps(b))
out("jws", "jwks-only", "\n" + jwks)
out("jws", "other-alg", "eyJhbGciOiJIUzI1NiIsInR5cCI6InZjK2p3dCJ9.e30.c2lnbmF0dXJl")

checkpoint = read("checkpoint")
key = read("log-key")
out("signed_note", "checkpoint", checkpoint)
out("signed_note", "checkpoint-and-key", checkpoint + "\0" + key)
out("signed_note", "tile-path", "tile/0/x001/x234/067.p/17")
out("signed_note", "entries-path", "tile/entries/000.p/11")
out("signed_note", "hash", json.loads(read("bundle-1.json"))["log"]["inclusion_proof"][0])
entries = [b'{"event":"issued"}', b"", b"x" * 300]
out("signed_note", "entry-bundle", b"".join(struct.pack(">H", len(e)) + e for e in entries))
out("signed_note", "proof", struct.pack(">QQ", 11, 2) + bytes(range(32)) * 5 + b"entry")

# ---- allocate ----
allocate = {
    "example.json": {
        "rule": "shapley",
        "increments": [{"level": 3, "cost_yen": 3000000}, {"level": 4, "cost_yen": 2000000}, {"level": 5, "cost_yen": 4000000}],
        "participants": [{"id": "A", "level": 3, "weight": 8}, {"id": "B", "level": 4, "weight": 1}, {"id": "C", "level": 5, "weight": 1}],
    },
    "weighted.json": {
        "increments": [{"level": "★3", "cost_yen": 1000001}, {"level": 4, "cost_yen": 7}],
        "participants": [{"id": "A", "level": 3, "weight": 3}, {"id": 2, "level": 4, "weight": 0}, {"id": "C", "level": 4, "weight": 5}],
    },
    "nucleolus.json": {
        "rule": "nucleolus",
        "increments": [{"level": 3, "cost_yen": 3000000}, {"level": 4, "cost_yen": 2000000}, {"level": 5, "cost_yen": 4000000}],
        "participants": [{"id": "A", "level": 3}, {"id": "B", "level": 4}, {"id": "C", "level": 5}, {"id": "D", "level": 3}],
    },
    "proportional-large.json": {
        "rule": "proportional",
        "increments": [{"level": 1, "cost_yen": 18446744073709551615}],
        "participants": [{"id": "A", "level": 1, "weight": 18446744073709551614}, {"id": "B", "level": 1, "weight": 1}],
    },
    "errors.json": {
        "rule": "weighted-airport",
        "increments": [{"level": 5, "cost_yen": 1.5}],
        "participants": [{"id": "", "level": 9}],
    },
}
for name, body in allocate.items():
    out("allocate", name, json.dumps(body, ensure_ascii=False))

# ---- upload ----
def upload(name, data):
    n = name.encode()
    return bytes([len(n)]) + n + (data.encode() if isinstance(data, str) else data)


def ooxml(parts):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in parts:
            z.writestr(zipfile.ZipInfo(p, date_time=(1980, 1, 1, 0, 0, 0)), "<x/>")
    return buf.getvalue()


book = xlsx(sheet, zipfile.ZIP_DEFLATED)
uploads = {
    "pdf": upload("policy.pdf", "%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
    "png": upload("screen.PNG", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
    "jpeg": upload("photo.jpeg", b"\xff\xd8\xff\xe0\0\x10JFIF"),
    "gif": upload("a.gif", "GIF89a\x01\0\x01\0"),
    "xlsx": upload("台帳.xlsx", book),
    "docx": upload("規程.docx", ooxml(["[Content_Types].xml", "word/document.xml"])),
    "pptx": upload("deck.pptx", ooxml(["[Content_Types].xml", "ppt/presentation.xml"])),
    "xlsm": upload("macro.xlsx", ooxml(["[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"])),
    "zip": upload("files.zip", ooxml(["a.txt"])),
    "csv": upload("list.csv", "\ufeffa,b\n1,2\n"),
    "text": upload("手順.txt", "手順書\n"),
    "no-name": upload("", "scan"),
    "html": upload("notes.txt", "  <!DOCTYPE html><script>alert(1)</script>"),
    "svg": upload("logo", "<svg onload=alert(1)>"),
    "exe": upload("report.pdf", b"MZ\x90\0\x03\0\0\0"),
    "script": upload("readme.txt", "#!/bin/sh\n"),
    "bat": upload("dir/setup.bat", "echo hello\n"),
    "mislabelled": upload("report.pdf", b"\x89PNG\r\n\x1a\n\0"),
    "utf16": upload("x.txt", b"\xff\xfe\0\0"),
}
for name, data in uploads.items():
    out("upload", name, data)
