"""What an MT940 `:86:` says about who paid and why, in the three shapes banks write it.

- German structured (`166?00…?20…?32…`): the `mt940` package splits it; the purpose
  (`SVWZ+`) is the remittance, `?32`/`?33` the payer's name, `?31` their IBAN.
- SWIFT/Dutch coded (`/TRTP/…/IBAN/…/NAME/…/REMI/…` or ING's `/CNTP/IBAN/BIC/NAME/CITY/`):
  `REMI` (without its `USTD//` or `STRD/CUR/` lead-in) and `CDTRREF` are the remittance;
  the name and IBAN are the ordering party's — never the beneficiary's (`BENM`), which is us.
- Anything else is free text: all of it is the remittance and the payer is not named.

Banks wrap `:86:` at 65 characters, mid-word; a coded text is joined back without spaces,
free text with a space unless the line was full.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.statements.checksums import normal_iban

WRAP = 65
_CODES = ("TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "MARF", "CSID", "ORDP", "BENM", "ADDR", "CNTP",
          "PREF", "RTRN", "ULTC", "ULTD", "ULTB", "PURP", "SVCL", "ISDT", "CDTRREFTP", "CDTRREF", "BUSP", "ID")
_CODE = re.compile(rf"/({'|'.join(_CODES)})/")
_PARTIES = {"ORDP": "payer", "ULTD": "payer", "BENM": "us", "ULTC": "us", "ULTB": "us"}
_REMI_LEAD = re.compile(r"^(?:USTD/+|STRD/+(?:CUR|ISO)/+)")


@dataclass(frozen=True)
class Details:
    reference: str = ""
    payer_name: str = ""
    payer_iban: str = ""


def read_details(data: dict[str, Any]) -> Details:
    """The remittance, payer name and IBAN of one parsed MT940 transaction."""
    if "transaction_details" not in data:  # the package parsed it as German structured
        purpose = " ".join(filter(None, (data.get("purpose"), data.get("additional_purpose"))))
        iban = data.get("applicant_iban") or data.get("gvc_applicant_iban") or ""
        return Details(_one_line(purpose), _one_line(data.get("applicant_name") or ""), normal_iban(iban) or "")
    lines = str(data.get("transaction_details") or "").splitlines()
    if lines and lines[0].startswith("/") and _CODE.search("".join(lines)):
        return _coded("".join(lines))
    return Details(_one_line(_unwrapped(lines)))


def _unwrapped(lines: list[str]) -> str:
    out = lines[0] if lines else ""
    for before, line in zip(lines, lines[1:]):
        out += ("" if len(before) >= WRAP else " ") + line
    return out


def _coded(text: str) -> Details:
    fields = _fields(text)
    remittance = [_REMI_LEAD.sub("", value) for code, _party, value in fields if code == "REMI"]
    remittance += [value for code, _party, value in fields if code == "CDTRREF"]
    name = iban = ""
    for code, party, value in fields:
        if party == "us":
            continue
        if code == "CNTP":  # ING: IBAN/BIC/NAME/CITY
            parts = value.split("/") + ["", "", ""]
            iban, name = iban or parts[0], name or parts[2]
        elif code == "NAME":
            name = name or value
        elif code == "IBAN":
            iban = iban or value
    return Details(_one_line(" ".join(r.strip("/") for r in remittance)), _one_line(name), normal_iban(iban) or "")


def _fields(text: str) -> list[tuple[str, str, str]]:
    """(code, whose, value) in order; whose is "payer", "us" or "" after ORDP/BENM and friends."""
    marks = list(_CODE.finditer(text))
    fields, party = [], ""
    for n, mark in enumerate(marks):
        code = mark.group(1)
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        value = text[mark.end():end]
        if code in _PARTIES:
            party = _PARTIES[code]
        elif code not in ("NAME", "IBAN", "ADDR", "ID", "BIC"):
            party = ""  # a party's block ends at the next field that is not one of its parts
        fields.append((code, party, value.strip().rstrip("/").strip()))
    return fields


def _one_line(text: str) -> str:
    return " ".join(text.split())
