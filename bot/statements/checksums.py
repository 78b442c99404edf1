"""ISO 7064 mod 97-10, the check behind both IBANs (ISO 13616) and RF creditor references
(ISO 11649): the first four characters move to the end, letters count as 10–35, and the
number must leave 1 when divided by 97."""
from __future__ import annotations

import re

_ALNUM = re.compile(r"[0-9A-Z]+")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[0-9A-Z]{11,30}")
# IBAN length by country, from the SWIFT IBAN registry (ISO 13616): a truncated or foreign
# code that happens to pass mod 97 is still refused.
IBAN_LENGTHS = {entry[:2]: int(entry[2:]) for entry in """
AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18
DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23
IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31
MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24
SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30""".split()}


def mod97_valid(code: str) -> bool:
    """Whether an upper-case alphanumeric code (no spaces) passes mod 97-10."""
    if len(code) < 5 or not _ALNUM.fullmatch(code):
        return False
    digits = "".join(str(int(c, 36)) for c in code[4:] + code[:4])
    return int(digits) % 97 == 1


def compact(text: str) -> str:
    """Upper case without spaces: how IBANs and references are printed is not what they are."""
    return re.sub(r"\s+", "", text).upper()


def normal_iban(text: str) -> str | None:
    """The IBAN in its electronic form, or None when it is not a valid IBAN."""
    iban = compact(text)
    if not _IBAN.fullmatch(iban) or IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return None
    return iban if mod97_valid(iban) else None
