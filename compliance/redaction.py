"""Redaction at intake: payment card numbers, IBANs and admin-defined patterns are replaced before text is stored.

`redact(text)` returns the clean text and the findings, a list of (kind, count): never the values found. Only
checksummed numbers are taken: a card number must pass the Luhn check and an IBAN the mod-97 check, so order and
tracking numbers stay readable. The tickets app calls this on every inbound subject and body.
"""

import logging
import re
from collections import Counter

from regions.cache import memoized

from .models import RedactionPattern

logger = logging.getLogger(__name__)

CARD = "card"
IBAN = "iban"

# Runs of digits joined by at most one space, no-break space or dash: "4111 1111-1111 1111".
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ \u00a0-]\d+)*(?!\d)")
_SEPARATOR = re.compile(r"[ \u00a0-]")
CARD_MIN, CARD_MAX = 13, 19

# An IBAN starts with a country code and two check digits; the rest is read token by token (see _iban_spans).
_IBAN_START = re.compile(r"\b[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9])")
_IBAN_TOKEN = re.compile(r"[A-Za-z0-9]+")
IBAN_MIN, IBAN_MAX = 15, 34


def luhn_valid(digits):
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate):
    """The ISO 13616 check: move the first four characters to the end, letters to numbers, remainder 97 is 1."""
    value = candidate.upper()
    if not (IBAN_MIN <= len(value) <= IBAN_MAX and value[:2].isalpha() and value[2:4].isdigit()):
        return False
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _card_spans(text):
    """(start, end, replacement, kind) of each Luhn-valid card number.

    A run of digit groups may hold a card next to other numbers ("order 12345 4111 1111 1111 1111"): the card is
    looked for at group boundaries, leftmost first and then longest, never inside a group.
    """
    spans = []
    for run in _DIGIT_RUN.finditer(text):
        groups = []  # (start, end) of each group of digits in the run
        position = run.start()
        for part in _SEPARATOR.split(run.group()):
            groups.append((position, position + len(part)))
            position += len(part) + 1
        first = 0
        while first < len(groups):
            found, digits = None, ""
            # A card has at most CARD_MAX digits, so only a few groups are ever joined: linear in the run's length.
            for last in range(first, len(groups)):
                digits += text[groups[last][0] : groups[last][1]]
                if len(digits) > CARD_MAX:
                    break
                if len(digits) >= CARD_MIN and luhn_valid(digits):
                    found = last, digits
            if found is None:
                first += 1
                continue
            last, card = found
            spans.append((groups[first][0], groups[last][1], f"[card ending {card[-4:]}]", CARD))
            first = last + 1
    return spans


def _iban_spans(text):
    """(start, end, replacement) of each mod-97-valid IBAN, written compact or in groups separated by spaces.

    From each possible start the longest run of space-separated tokens that passes the check is taken, so words
    after the IBAN ("... 0130 00 please call") are not swallowed and a failing candidate hides no later IBAN.
    """
    spans = []
    taken_until = 0
    for start in _IBAN_START.finditer(text):
        if start.start() < taken_until:
            continue
        ends, length, position = [], 0, start.start()
        while length < IBAN_MAX:
            token = _IBAN_TOKEN.match(text, position)
            if token is None:
                break
            length += len(token.group())
            ends.append((token.end(), length))
            # The next token must follow after exactly one space.
            if token.end() + 1 < len(text) and text[token.end()] == " " and text[token.end() + 1].isalnum():
                position = token.end() + 1
            else:
                break
        for end, length in reversed(ends):
            if not IBAN_MIN <= length <= IBAN_MAX:
                continue
            # An IBAN must end at a word boundary: "DE89...3000abc" is some other token.
            candidate = text[start.start() : end].replace(" ", "")
            if iban_valid(candidate):
                spans.append((start.start(), end, f"[IBAN ending {candidate[-4:].upper()}]", IBAN))
                taken_until = end
                break
    return spans


def _apply(text, spans):
    """Replace non-overlapping SPANS (sorted by start) in TEXT; returns the text and the count per kind."""
    out, counts, position = [], Counter(), 0
    for start, end, replacement, kind in sorted(spans):
        if start < position:  # overlaps one already replaced
            continue
        out.append(text[position:start])
        out.append(replacement)
        counts[kind] += 1
        position = end
    out.append(text[position:])
    return "".join(out), counts


def active_patterns():
    """The admin's active patterns, compiled.

    clean() refuses a broken expression; one written around it is logged and skipped rather than losing the message.
    """
    return memoized("redaction_patterns", _compile_patterns)


def _compile_patterns():
    compiled = []
    for pattern in RedactionPattern.objects.filter(active=True).order_by("name"):
        try:
            compiled.append((pattern.name, re.compile(pattern.regex), pattern.replacement))
        except re.error:
            logger.error("Redaction pattern %s (#%s) does not compile and was skipped", pattern.name, pattern.pk)
    return compiled


def _redact(text, patterns, *, scan=None):
    """SCAN, when given, is a same-length copy of TEXT in which to look for numbers (file names: "_" as space)."""
    scan = text if scan is None else scan
    # IBANs first: their digits could otherwise pass for a card number.
    spans = _iban_spans(scan)
    text, counts = _apply(text, spans)
    scan = _apply(scan, spans)[0]
    text, card_counts = _apply(text, _card_spans(scan))
    counts.update(card_counts)
    for name, regex, replacement in patterns:
        text, n = _substitute(regex, replacement, text)
        if n:
            counts[name] += n
    return text, counts


def _substitute(regex, replacement, text):
    """REGEX's matches replaced by REPLACEMENT as written (a "\\1" in it never copies the original back in);
    empty matches are left alone."""
    found = 0

    def replace(match):
        nonlocal found
        if not match.group():
            return ""
        found += 1
        return replacement

    return regex.sub(replace, text), found


def _findings(counts, patterns):
    order = [CARD, IBAN, *(name for name, _, _ in patterns)]
    return [(kind, counts[kind]) for kind in order if counts.get(kind)]


def redact(text, *, patterns=None):
    """TEXT with card numbers, IBANs and the active patterns replaced, and [(kind, count), ...] of what was found."""
    patterns = active_patterns() if patterns is None else patterns
    clean, counts = _redact(text or "", patterns)
    return clean, _findings(counts, patterns)


def redact_filename(name, *, patterns=None):
    """An attachment's file name under the same rules; "_" and "." between digits count as separators."""
    patterns = active_patterns() if patterns is None else patterns
    name = name or ""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or not extension.isalnum() or len(extension) > 10:
        stem, dot, extension = name, "", ""
    scan = re.sub(r"[_.]", " ", stem)  # same length, so positions found in SCAN hold in STEM
    clean, counts = _redact(stem, patterns, scan=scan)
    return clean + dot + extension, _findings(counts, patterns)


def redact_all(*texts, patterns=None):
    """Several texts of one message (subject and body) with one read of the patterns; findings added up."""
    patterns = active_patterns() if patterns is None else patterns
    cleaned, total = [], Counter()
    for text in texts:
        clean, counts = _redact(text or "", patterns)
        cleaned.append(clean)
        total.update(counts)
    return cleaned, _findings(total, patterns)


_NOUNS = {CARD: ("card number", "card numbers"), IBAN: ("IBAN", "IBANs")}


def findings_summary(findings):
    """ "1 card number, 2 IBANs, 1 × API token": counts only, for the timeline."""
    parts = []
    for kind, count in findings:
        if kind in _NOUNS:
            parts.append(f"{count} {_NOUNS[kind][count != 1]}")
        else:
            parts.append(f"{count} × {kind}")
    return ", ".join(parts)
