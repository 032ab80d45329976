"""Verifies a Hoshi certificate with PyJWT, a generic JOSE library, using only the JWKS, and
checks that one changed byte makes it fail. Prints ok/FAIL lines and "jws: N passed, M failed".

usage: check_jws.py BUNDLE.json JWKS.json
"""
import json
import sys

import jwt
from jwt import PyJWKSet

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok  ", what)
    else:
        failed += 1
        print("FAIL", what)


def verify(token, keys):
    header = jwt.get_unverified_header(token)
    key = next(k for k in keys.keys if k.key_id == header["kid"])
    return jwt.decode(token, key=key.key, algorithms=["EdDSA"], options={"verify_aud": False}), header


def main():
    bundle = json.load(open(sys.argv[1]))
    keys = PyJWKSet.from_dict(json.load(open(sys.argv[2])))
    token = bundle["certificate"]
    try:
        payload, header = verify(token, keys)
        check(True, "PyJWT verifies the certificate with the JWKS alone")
        check(header.get("typ") == "vc+jwt" and header.get("alg") == "EdDSA", f"header is EdDSA vc+jwt: {header}")
        check("VerifiableCredential" in payload.get("type", []), "payload is a Verifiable Credential")
        subject = payload.get("credentialSubject", {})
        check(len(subject.get("corporateNumber", "")) == 13 and subject.get("level") in (1, 2, 3, 4, 5), f"subject names the company and level: {subject.get('corporateNumber')} ★{subject.get('level')}")
    except Exception as e:  # noqa: BLE001 - any failure is a failed check
        check(False, f"PyJWT verifies the certificate: {e}")
    head, body, sig = token.split(".")
    for name, changed in [("payload", head + "." + body[:-2] + ("AB" if body[-2:] != "AB" else "CD") + "." + sig),
                          ("signature", head + "." + body + "." + sig[:-2] + ("AB" if sig[-2:] != "AB" else "CD"))]:
        try:
            verify(changed, keys)
            check(False, f"a changed byte in the {name} is refused")
        except Exception:  # noqa: BLE001
            check(True, f"a changed byte in the {name} is refused")
    print(f"jws: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
