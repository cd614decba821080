"""Checks on evidence records: patient identifiers in free text, ids, values and citations.

Every problem names its field. Free-text fields, ``case_id``, ``source_ids`` and the DOI are
screened for direct patient identifiers by the rules of :data:`IDENTIFIER_PATTERNS` (what is
and is not screened is listed there); well-formed citation tokens (DOIs, ``PMID 123``,
``PMC123``, ``NCT01234567``, ``CHEMBL123``) are allowed in free text.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from jakpath.evidence.fields import (
    COUNT_FIELDS,
    COUNTS_BASIS,
    DRUG_SEPARATOR,
    NEW_IN_0002,
    OUTCOMES,
    RECORD_FIELDS,
    STUDY_TYPES,
)
from jakpath.kb import KnowledgeBase, UnknownNameError

FREE_TEXT_FIELDS = (
    "regimen_text",
    "age_band",
    "sex",
    "prior_failed",
    "time_to_response",
    "outcome_text",
    "outcome_measure",
    "adverse_events",
    "follow_up",
    "duration",
    "location",
    "note",
)
"""Fields screened for patient identifiers."""

ROUTES = ("oral", "topical", "intravenous", "subcutaneous")
"""Routes of administration; a record may list several separated by ``;``."""

MAX_AGE_YEARS = 120.0
MAX_DOSE_MG = 2000.0
MAX_INTERVAL_H = 24.0 * 14
MAX_N_PATIENTS = 100_000
MAX_TEXT_CHARS = 4000

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_MONTHS_NOT_MAY = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_STREET = (
    r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|boulevard|blvd|way|court|ct|place|pl"
    r"|terrace|close|crescent|square|sq|highway|hwy|parkway|pkwy)"
)
IDENTIFIER_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("e-mail address", re.compile(r"[\w.+-]+\s*@\s*[\w-]+(?:\s*\.\s*[\w-]+)+")),
    (
        "e-mail address (spelled out)",
        re.compile(
            r"[\w.+-]+\s*(?:[\[({<]\s*at\s*[\])}>]|\s(?:at)\s)\s*[\w-]+"
            r"(?:\s*(?:[\[({<]\s*dot\s*[\])}>]|\sdot\s)\s*[\w-]+)+",
            re.IGNORECASE,
        ),
    ),
    ("social security number", re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")),
    ("IP address", re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")),
    ("date (year-month-day)", re.compile(r"(?<!\d)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)")),
    (
        "date (day/month/year)",
        re.compile(r"(?<![\d.])\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?!\d)"),
    ),
    (
        "date (with month name)",
        re.compile(
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\s+\d{{4}}\b"
            rf"|\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
            rf"|\b{_MONTHS}\s+(?:of\s+)?(?:19|20)\d{{2}}\b"
            rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS_NOT_MAY}(?![a-z])"
            rf"|\b{_MONTHS_NOT_MAY}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!\s*(?:weeks?|days?|months?))",
            re.IGNORECASE,
        ),
    ),
    (
        "date of birth",
        re.compile(
            r"\b(?:born|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date)\b[^.;\n]{0,25}?"
            r"\b(?:1[89]|20)\d{2}\b|\b(?:dob|d\.o\.b)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "name (with a title)",
        re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Dame)\b\.?\s+[A-Z][A-Za-z'\-]+"),
    ),
    (
        "name (after patient, name or a relative)",
        re.compile(
            r"(?i:\b(?:patient|pt|name|named|called|mother|father|son|daughter|wife|husband"
            r"|sister|brother)\b)\s*[:,]?\s*(?:(?i:is)\s+)?[A-Z][a-z'\-]+\s+[A-Z][a-z'\-]+"
        ),
    ),
    (
        "street address",
        re.compile(
            rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){{1,3}}(?i:{_STREET})\b",
        ),
    ),
    (
        "postcode",
        re.compile(
            r"\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b"  # UK
            r"|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"  # US state + ZIP
            r"|\b\d{5}-\d{4}\b"  # ZIP+4
        ),
    ),
    (
        "phone number",
        re.compile(
            r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?|\d{2,5}[\s.-])"
            r"\d{3,4}[\s.-]\d{3,4}(?![\w.])"
        ),
    ),
    ("long digit run (6 or more digits, e.g. a record number)", re.compile(r"\d{6,}")),
    (
        "record or account number",
        re.compile(
            r"(?:\b(?:MRN|MR#|NHS|SSN)|\b(?:NI|ID)\b)\s*(?:no\.?|number|#)?\s*[:#-]?\s*"
            r"[A-Za-z]{0,3}\d"
            r"|(?i:\b(?:medical\s+record|record|hospital|chart|patient|subject|account"
            r"|insurance|passport|licen[cs]e|member|file)\s*(?:no\.?|number|num|#|id)\s*[:#]?\s*"
            r"[A-Za-z]{0,3}-?\d)"
        ),
    ),
)
"""(description, pattern) of direct identifiers, checked in this order.

Screened: e-mail addresses (also spelled out: ``name [at] host [dot] org``), US social
security numbers, IPv4 addresses, dates (numeric, ISO date-times, with a month name, month
and year, day and month), dates of birth, record/account numbers after a keyword (``MRN``,
``record no.``, ``ID:``), names after a title (``Dr.``, ``Mrs``) or after ``patient``,
``name`` or a relative, street addresses, UK and US postcodes, phone numbers and runs of 6+
digits. Text is NFKC-normalised and invisible characters (zero-width spaces, soft hyphens)
are removed first. Not screened: a bare name without a title or cue word (``John Smith``), a
town or hospital name, ages, and free-form descriptions; curators review the rest.
"""

DOI_EXCLUDED = (
    "date (year-month-day)",
    "date (day/month/year)",
    "IP address",
    "postcode",
    "phone number",
    "long digit run (6 or more digits, e.g. a record number)",
)
"""Patterns not applied to a DOI's suffix (publishers' suffixes are digit-and-dot codes)."""

_CITATION_TOKENS = re.compile(
    r"\b10\.\d{4,9}/[^\s;,]+|\bPMC\d{1,8}(?!\d)|\bPMID:?\s*\d{1,8}(?!\d)|\bNCT\d{8}(?!\d)"
    r"|\bCHEMBL\d{1,7}(?!\d)",
    re.IGNORECASE,
)
"""Citation tokens allowed in free text when they have the identifier's format (a PMID has
at most 8 digits, an NCT number exactly 8, a ChEMBL id at most 7): masked before screening."""
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID = re.compile(r"^\d{1,9}$")
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:y|yr|yrs|years?)?\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DURATION = re.compile(
    r"^\s*(?:~|about|approx\.?|median|mean)?\s*(?:"
    r"(?P<n1>-?\d+(?:\.\d+)?)\s*(?P<u1>days?|d|weeks?|wks?|wk|months?|mo|years?|y)\b"
    r"|(?P<u2>day|week|month|year)\s+(?P<n2>-?\d+(?:\.\d+)?)\b)",
    re.IGNORECASE,
)
_WEEKS_PER = {"d": 1 / 7, "w": 1.0, "m": 52.1775 / 12, "y": 52.1775}


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field of a record."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidRecordError(ValueError):
    """A record failed validation; ``problems`` lists every failing field."""

    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__("invalid record: " + "; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class CaseInput:
    """A validated evidence record as supplied by a user or the knowledge base.

    Units are in the names: ``dose_mg`` per administration, ``interval_h`` between doses,
    ages in years, times in weeks. Text fields keep the source's own words.
    """

    case_id: str | None
    disease_id: str
    drug_id: str
    regimen_text: str | None
    dose_mg: float | None
    interval_h: float | None
    route: str | None
    n_patients: int | None
    age_years: float | None
    age_band: str | None
    sex: str | None
    prior_failed: str | None
    time_to_response: str | None
    time_to_response_weeks: float | None
    outcome: str
    outcome_text: str | None
    outcome_measure: str | None
    n_complete: int | None
    n_partial: int | None
    n_none: int | None
    counts_basis: str | None
    duration: str | None
    duration_weeks: float | None
    adverse_events: str | None
    follow_up: str | None
    follow_up_weeks: float | None
    study_type: str
    source_ids: str
    doi: str | None
    pmid: str | None
    location: str | None
    note: str | None

    def content_hash(self) -> str:
        """SHA-256 of the content (every field but ``case_id``): the de-duplication key."""
        data = {
            k: v
            for k, v in asdict(self).items()
            if k != "case_id" and not (k in NEW_IN_0002 and v is None)
        }
        text = json.dumps(data, sort_keys=True, ensure_ascii=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()

    def with_case_id(self) -> CaseInput:
        """This record, with a generated ``case_id`` (``u-`` + hash letters) if it had none."""
        if self.case_id:
            return self
        letters = self.content_hash()[:12].translate(str.maketrans("0123456789", "ghijklmnop"))
        return _replace(self, case_id=f"u-{letters}")


def _replace(rec: CaseInput, **changes) -> CaseInput:
    return CaseInput(**{**asdict(rec), **changes})


assert tuple(f.name for f in fields(CaseInput)) == RECORD_FIELDS  # noqa: S101 - schema guard


def normalise_for_screening(text: str) -> str:
    """``text`` as screened, normalised so that disguised identifiers are seen.

    NFKC normalisation (full-width digits become digits), invisible format characters
    (zero-width spaces, soft hyphens) removed, dashes made ``-``.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return re.sub(r"[\u2010-\u2015\u2212]", "-", text)


def find_identifier(
    text: str, *, citations: bool = True, exclude: tuple[str, ...] = ()
) -> tuple[str, str] | None:
    """The first patient identifier in ``text`` as ``(pattern description, match)``.

    Args:
        text: the text to screen (normalised first, see :func:`normalise_for_screening`).
        citations: mask well-formed citation tokens (DOIs, PMIDs, NCT and ChEMBL ids) first.
        exclude: descriptions of patterns not to apply (see :data:`DOI_EXCLUDED`).
    """
    masked = normalise_for_screening(text)
    if citations:
        masked = _CITATION_TOKENS.sub(" ", masked)
    for description, pattern in IDENTIFIER_PATTERNS:
        if description in exclude:
            continue
        m = pattern.search(masked)
        if m:
            return description, m.group(0)
    return None


def check_free_text(field: str, text: str | None) -> FieldProblem | None:
    """A problem if ``text`` contains an obvious patient identifier or is too long."""
    if not text:
        return None
    if len(text) > MAX_TEXT_CHARS:
        return FieldProblem(field, f"longer than {MAX_TEXT_CHARS} characters")
    hit = find_identifier(text)
    if hit:
        description, found = hit
        return FieldProblem(
            field,
            f"contains what looks like a patient identifier: {description} ({found!r}). "
            "Records must not hold direct identifiers (names, dates, record numbers, "
            "addresses, e-mail addresses, phone numbers); use relative times such as 'week 12'",
        )
    return None


def check_account(name: str) -> None:
    """Raise :class:`InvalidRecordError` unless ``name`` is a plain account name."""
    if not name or not _ACCOUNT.match(name) or find_identifier(name):
        raise InvalidRecordError(
            [
                FieldProblem(
                    "added_by",
                    f"{name!r} is not an account name (letters, digits, '.', '_', '-'; "
                    "no e-mail addresses or numbers of 6+ digits)",
                )
            ]
        )


def parse_duration_weeks(text: str | None) -> float | None:
    """Weeks from a simple duration such as ``12 weeks``, ``week 4``, ``3 months``, ``day 28``."""
    if not text:
        return None
    m = _DURATION.match(text)
    if not m:
        return None
    number = float(m.group("n1") or m.group("n2"))
    unit = (m.group("u1") or m.group("u2")).lower()
    return round(number * _WEEKS_PER[unit[0]], 3)


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value) -> str | None:
    return None if _blank(value) else str(value).strip()


def _number(field, value, problems, *, integer=False, low=None, high=None, low_open=False):
    if _blank(value):
        return None
    if isinstance(value, bool):  # JSON true/false is not a number (bool is an int)
        problems.append(FieldProblem(field, f"not a number: {value!r}"))
        return None
    try:
        x = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        problems.append(FieldProblem(field, f"not a number: {str(value)[:40]!r}"))
        return None
    except OverflowError:  # an integer too large for a float (e.g. 400 digits)
        problems.append(FieldProblem(field, f"number too large: {str(value)[:20]}..."))
        return None
    if math.isnan(x) or math.isinf(x):
        problems.append(FieldProblem(field, f"not a finite number: {value!r}"))
        return None
    if integer and x != int(x):
        problems.append(FieldProblem(field, f"must be a whole number, got {value!r}"))
        return None
    if low is not None and (x <= low if low_open else x < low):
        problems.append(
            FieldProblem(field, f"must be {'>' if low_open else '>='} {low:g}, got {x:g}")
        )
        return None
    if high is not None and x > high:
        problems.append(FieldProblem(field, f"must be <= {high:g}, got {x:g}"))
        return None
    return int(x) if integer else x


def _resolve(field, value, index, problems) -> str | None:
    text = _text(value)
    if text is None:
        problems.append(FieldProblem(field, "required"))
        return None
    try:
        return index.resolve(text)
    except UnknownNameError as exc:
        problems.append(FieldProblem(field, str(exc)))
        return None


def _choice(field, value, choices, problems) -> str | None:
    text = _text(value)
    if text is None:
        problems.append(FieldProblem(field, f"required; one of {', '.join(choices)}"))
        return None
    text = text.lower()
    if text not in choices:
        problems.append(FieldProblem(field, f"{value!r} is not one of {', '.join(choices)}"))
        return None
    return text


def _resolve_drugs(value, kb: KnowledgeBase, problems) -> str | None:
    """One drug id, or several (``a;b`` or ``a or b``: the source does not say which)."""
    text = _text(value)
    if text is None:
        problems.append(FieldProblem("drug_id", "required"))
        return None
    parts = [p.strip() for p in re.split(r";|\s+or\s+", text) if p.strip()]
    ids = []
    for part in parts:
        try:
            ids.append(kb.drug_names.resolve(part))
        except UnknownNameError as exc:
            problems.append(FieldProblem("drug_id", str(exc)))
            return None
    if not ids:
        problems.append(FieldProblem("drug_id", "required"))
        return None
    if len(set(ids)) != len(ids):
        problems.append(FieldProblem("drug_id", f"{text!r} names the same drug twice"))
        return None
    return DRUG_SEPARATOR.join(ids)


def drug_label(drug_id: str) -> str:
    """``upadacitinib;tofacitinib`` -> ``upadacitinib or tofacitinib``."""
    return " or ".join(drug_id.split(DRUG_SEPARATOR))


def outcome_from_counts(n_complete, n_partial, n_none) -> str:
    """The outcome word that responder counts imply (``mixed``: responders and non-responders).

    ``not_reported`` when no count is given or all given counts are zero.
    """
    c, p, n = (x or 0 for x in (n_complete, n_partial, n_none))
    if c + p + n == 0:
        return "not_reported"
    if c + p == 0:
        return "none"
    if n > 0:
        return "mixed"
    return "complete" if p == 0 else "partial"


def _check_counts(counts: dict, n_patients: int | None, outcome: str | None) -> list:
    given = {k: v for k, v in counts.items() if v is not None}
    if not given:
        return []
    out = []
    total = sum(given.values())
    if n_patients is not None and total > n_patients:
        out.append(
            FieldProblem(
                "n_complete",
                f"responder counts add up to {total}, more than n_patients ({n_patients})",
            )
        )
    if len(given) < len(counts):
        missing = ", ".join(k for k in counts if k not in given)
        out.append(
            FieldProblem(
                missing.split(",")[0],
                f"give all three responder counts (0 where none); missing: {missing}",
            )
        )
        return out
    implied = outcome_from_counts(*counts.values())
    if outcome is not None and outcome not in (implied, "worse" if implied == "none" else implied):
        out.append(
            FieldProblem(
                "outcome",
                f"{outcome!r} contradicts the responder counts "
                f"({counts['n_complete']} complete, {counts['n_partial']} partial, "
                f"{counts['n_none']} none imply {implied!r})",
            )
        )
    return out


ALIASES = {"age": "age"}
"""Input columns accepted besides the record fields (``age``: the KB's years-or-band column)."""

IGNORED_FIELDS = ("drug", "responders", "origin", "added_by", "added_at")
"""Output columns accepted on input and ignored (set by the store), so exports re-import."""


def parse_record(
    data: Mapping, kb: KnowledgeBase, *, origin: str = "user"
) -> tuple[CaseInput | None, list[FieldProblem]]:
    """Check and convert one raw record (strings or values) into a :class:`CaseInput`.

    Args:
        data: field -> value; empty strings and None mean "not reported". ``age`` (years or
            a band, as in the KB's ``cases.csv``) is accepted instead of ``age_years`` /
            ``age_band``; ``source_id`` instead of ``source_ids``.
        kb: the knowledge base whose disease and drug name indexes resolve ids and names.
        origin: ``user`` records must cite a DOI or PMID; ``kb`` records may cite a URL only.

    Returns:
        The record (None when there are problems) and every problem found.
    """
    problems: list[FieldProblem] = []
    data = dict(data)
    if "source_id" in data and "source_ids" not in data:
        data["source_ids"] = data.pop("source_id")
    unknown = sorted(set(data) - set(RECORD_FIELDS) - set(ALIASES) - set(IGNORED_FIELDS))
    for key in unknown:
        problems.append(
            FieldProblem(str(key), "unknown field (the schema has no such column; see SCHEMA)")
        )

    case_id = _text(data.get("case_id"))
    if case_id is not None and (not _ID.match(case_id) or find_identifier(case_id)):
        problems.append(
            FieldProblem(
                "case_id",
                f"{case_id!r}: use 1-64 letters, digits, '_', '-', '.', ':' and no number of "
                "6+ digits (not a patient record number)",
            )
        )

    disease_id = _resolve("disease_id", data.get("disease_id"), kb.disease_names, problems)
    drug_id = _resolve_drugs(data.get("drug_id"), kb, problems)
    counts = {
        f: _number(f, data.get(f), problems, integer=True, low=0, high=MAX_N_PATIENTS)
        for f in COUNT_FIELDS
    }
    if _blank(data.get("outcome")) and any(v is not None for v in counts.values()):
        outcome = outcome_from_counts(*counts.values())
    else:
        outcome = _choice("outcome", data.get("outcome"), OUTCOMES, problems)
    study_type = _choice("study_type", data.get("study_type"), STUDY_TYPES, problems)

    dose_mg = _number(
        "dose_mg", data.get("dose_mg"), problems, low=0, high=MAX_DOSE_MG, low_open=True
    )
    interval_h = _number(
        "interval_h", data.get("interval_h"), problems, low=0, high=MAX_INTERVAL_H, low_open=True
    )
    n_patients = _number(
        "n_patients", data.get("n_patients"), problems, integer=True, low=1, high=MAX_N_PATIENTS
    )
    if study_type == "case_report" and n_patients not in (None, 1):
        problems.append(
            FieldProblem("n_patients", f"a case_report has 1 patient, got {n_patients}")
        )
    problems.extend(_check_counts(counts, n_patients, outcome))
    counts_basis = _text(data.get("counts_basis"))
    if counts_basis is not None:
        counts_basis = counts_basis.lower()
        if counts_basis not in COUNTS_BASIS:
            problems.append(
                FieldProblem(
                    "counts_basis", f"{counts_basis!r} is not one of {', '.join(COUNTS_BASIS)}"
                )
            )
        elif all(v is None for v in counts.values()):
            problems.append(FieldProblem("counts_basis", "given without responder counts"))

    age_years = data.get("age_years")
    age_band = _text(data.get("age_band"))
    age = _text(data.get("age"))
    if age is not None:
        if not _blank(age_years) or age_band is not None:
            problems.append(FieldProblem("age", "give either age or age_years/age_band"))
        elif _AGE.match(age):
            age_years = _AGE.match(age).group(1)
        else:
            age_band = age
    age_years = _number("age_years", age_years, problems, low=0, high=MAX_AGE_YEARS)
    if age_band is not None:
        too_old = [x for x in _NUMBER.findall(age_band) if float(x) > MAX_AGE_YEARS]
        if too_old:
            problems.append(
                FieldProblem("age_band", f"age over {MAX_AGE_YEARS:g} years: {too_old[0]}")
            )

    texts = {f: _text(data.get(f)) for f in FREE_TEXT_FIELDS}
    texts["age_band"] = age_band
    for field, text in texts.items():
        problem = check_free_text(field, text)
        if problem:
            problems.append(problem)

    ttr = data.get("time_to_response_weeks")
    if _blank(ttr):
        ttr = parse_duration_weeks(texts["time_to_response"])
    ttr_weeks = _number("time_to_response_weeks", ttr, problems)
    if ttr_weeks is not None and ttr_weeks < 0:
        problems.append(
            FieldProblem(
                "time_to_response_weeks",
                f"negative ({ttr_weeks:g}): a response cannot come before treatment starts",
            )
        )
    fu = data.get("follow_up_weeks")
    if _blank(fu):
        fu = parse_duration_weeks(texts["follow_up"])
    follow_up_weeks = _number("follow_up_weeks", fu, problems, low=0)
    dw = data.get("duration_weeks")
    if _blank(dw):
        dw = parse_duration_weeks(texts["duration"])
    duration_weeks = _number("duration_weeks", dw, problems, low=0)
    if ttr_weeks is not None and follow_up_weeks is not None and ttr_weeks > follow_up_weeks:
        problems.append(
            FieldProblem(
                "time_to_response_weeks",
                f"{ttr_weeks:g} weeks is after the end of follow-up ({follow_up_weeks:g} weeks)",
            )
        )

    route = _text(data.get("route"))
    if route is not None:
        route = route.lower()
        bad = [r for r in route.split(";") if r.strip() not in ROUTES]
        if bad:
            problems.append(FieldProblem("route", f"{bad[0]!r} is not one of {', '.join(ROUTES)}"))

    source_ids = _text(data.get("source_ids"))
    if source_ids is None:
        problems.append(FieldProblem("source_ids", "required: the source id(s) of the citation"))
    elif not all(_ID.match(s.strip()) for s in source_ids.split(";")):
        problems.append(FieldProblem("source_ids", f"{source_ids!r}: ';'-separated short ids"))
    elif hit := find_identifier(re.sub(r"[_;]", " ", source_ids)):
        problems.append(
            FieldProblem("source_ids", f"looks like a patient identifier: {hit[0]} ({hit[1]!r})")
        )
    doi = _text(data.get("doi"))
    if doi is not None:
        doi = re.sub(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", "", doi, flags=re.IGNORECASE)
        if not _DOI.match(doi):
            problems.append(FieldProblem("doi", f"{doi!r} is not a DOI (10.xxxx/...)"))
        elif hit := find_identifier(doi, citations=False, exclude=DOI_EXCLUDED):
            problems.append(
                FieldProblem("doi", f"looks like a patient identifier: {hit[0]} ({hit[1]!r})")
            )
    pmid = _text(data.get("pmid"))
    if pmid is not None:
        pmid = re.sub(r"^pmid:?\s*", "", pmid, flags=re.IGNORECASE)
        if pmid.endswith(".0") and pmid[:-2].isdigit():  # read as a number from a spreadsheet
            pmid = pmid[:-2]
        if not _PMID.match(pmid):
            problems.append(FieldProblem("pmid", f"{pmid!r} is not a PMID (digits only)"))
    if origin == "user" and doi is None and pmid is None:
        problems.append(FieldProblem("doi", "a DOI or a PMID is required for the citation"))

    if problems:
        return None, problems
    record = CaseInput(
        case_id=case_id,
        disease_id=disease_id,
        drug_id=drug_id,
        regimen_text=texts["regimen_text"],
        dose_mg=dose_mg,
        interval_h=interval_h,
        route=route,
        n_patients=n_patients,
        age_years=age_years,
        age_band=age_band,
        sex=texts["sex"],
        prior_failed=texts["prior_failed"],
        time_to_response=texts["time_to_response"],
        time_to_response_weeks=ttr_weeks,
        outcome=outcome,
        outcome_text=texts["outcome_text"],
        outcome_measure=texts["outcome_measure"],
        n_complete=counts["n_complete"],
        n_partial=counts["n_partial"],
        n_none=counts["n_none"],
        counts_basis=counts_basis,
        duration=texts["duration"],
        duration_weeks=duration_weeks,
        adverse_events=texts["adverse_events"],
        follow_up=texts["follow_up"],
        follow_up_weeks=follow_up_weeks,
        study_type=study_type,
        source_ids=source_ids,
        doi=doi,
        pmid=pmid,
        location=texts["location"],
        note=texts["note"],
    )
    return record, []


def validate_record(data: Mapping, kb: KnowledgeBase, *, origin: str = "user") -> CaseInput:
    """Like :func:`parse_record`, raising :class:`InvalidRecordError` on any problem."""
    record, problems = parse_record(data, kb, origin=origin)
    if problems:
        raise InvalidRecordError(problems)
    return record
