"""Typed views of the scanner's JSON report (the CLI's schema, ``schema_version`` 2).

The native core returns JSON text; these dataclasses are built from it, so the Python
objects and ``keras-sentinel scan --format json`` can never disagree. A file's report
names its rules by code (the CLI's document carries their texts once, in ``rules``): a
finding's title, explanation and CVEs come from the core's rule table. Evidence notes,
categories and error messages are catalogue messages (``{id, args, text}``); ``text`` is
the English rendering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Dict, List, Optional

#: Verdicts the built-in policy blocks (detection-rules.md: "The default policy blocks
#: malicious, suspicious and error, and warns on lambda and review").
BLOCKING_VERDICTS = frozenset({"malicious", "suspicious", "error"})
#: Verdicts the built-in policy warns on: embedded ordinary code, or custom classes
#: whose code the loader's environment supplies.
WARNING_VERDICTS = frozenset({"lambda", "review"})
#: Every verdict, worst first (docs/report.schema.json).
VERDICTS = ("malicious", "suspicious", "error", "lambda", "review", "clean")


@lru_cache(maxsize=1)
def rule_texts() -> Dict[str, Dict[str, Any]]:
    """Every rule's texts keyed by code: ``title``, ``severity``, ``explanation``, ``cves``."""
    from . import _core

    return json.loads(_core.rules())


def message_text(m: Any) -> str:
    """The English text of a report message (a plain string is returned as it is)."""
    return m.get("text", "") if isinstance(m, dict) else str(m)


@dataclass(frozen=True)
class Location:
    container: str = ""
    pointer: str = ""

    def __str__(self) -> str:
        return " ".join(p for p in (self.container, self.pointer) if p) or "(file)"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    title: str
    layer: str
    location: Location
    explanation: str
    cves: List[str] = field(default_factory=list)
    evidence: Dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> Optional[str]:
        """The reconstructed source of a lambda, when the finding is about one."""
        return self.evidence.get("source")

    @property
    def calls(self) -> List[str]:
        return list(self.evidence.get("calls", []))

    @property
    def notes(self) -> List[str]:
        """The evidence notes in English (``evidence["notes"]`` has their ids and arguments)."""
        return [message_text(n) for n in self.evidence.get("notes", [])]

    @property
    def categories(self) -> List[str]:
        return [message_text(c) for c in self.evidence.get("categories", [])]


@dataclass(frozen=True)
class ScanError:
    location: str
    message: str


@dataclass(frozen=True)
class Report:
    """The scan of one file."""

    path: str
    format: str
    verdict: str
    findings: List[Finding]
    errors: List[ScanError]
    stats: Dict[str, int]
    keras_version: Optional[str] = None
    #: SHA-256 of the file, when it was computed (a policy with file entries).
    sha256: Optional[str] = None
    #: The policy decision (``action``, per-finding actions, allowlist entries), if a
    #: policy was given.
    policy: Optional[Dict[str, Any]] = None
    #: The model overview (layer tree, findings placed on layers; docs/report.schema.json).
    model: Optional[Dict[str, Any]] = None
    _json: str = field(default="", repr=False, compare=False)

    @classmethod
    def from_json(cls, text: str) -> "Report":
        d = json.loads(text)
        rules = rule_texts()
        findings = []
        for f in d.get("findings", []):
            rule = rules.get(f["code"], {})
            findings.append(
                Finding(
                    code=f["code"],
                    severity=f["severity"],
                    title=message_text(f["title"]) if "title" in f else rule.get("title", f["code"]),
                    layer=f.get("layer", ""),
                    location=Location(**f.get("location", {})),
                    explanation=rule.get("explanation", ""),
                    cves=list(rule.get("cves", [])),
                    evidence=dict(f.get("evidence", {})),
                )
            )
        errors = [ScanError(e["location"], message_text(e["message"])) for e in d.get("errors", [])]
        return cls(
            path=d["path"],
            format=d["format"],
            verdict=d["verdict"],
            findings=findings,
            errors=errors,
            stats=dict(d.get("stats", {})),
            keras_version=d.get("keras_version"),
            sha256=d.get("sha256"),
            policy=d.get("policy"),
            model=d.get("model"),
            _json=text,
        )

    @property
    def codes(self) -> List[str]:
        """Distinct finding codes, worst first."""
        seen: List[str] = []
        for f in self.findings:
            if f.code not in seen:
                seen.append(f.code)
        return seen

    @property
    def action(self) -> str:
        """``block``, ``warn`` or ``ignore``: the given policy's decision, else the built-in
        policy's (block malicious, suspicious and error; warn on lambda and review)."""
        if self.policy is not None:
            return self.policy["action"]
        if self.verdict in BLOCKING_VERDICTS:
            return "block"
        return "warn" if self.verdict in WARNING_VERDICTS else "ignore"

    @property
    def notes(self) -> int:
        """How many ``low``/``info`` findings a reader should still look at (a clean file
        with notes is "clean, N notes to read", never "nothing found")."""
        return sum(1 for f in self.findings if f.severity in ("low", "info"))

    @property
    def blocked(self) -> bool:
        """Whether the policy in force blocks this file."""
        return self.action == "block"

    def to_json(self) -> str:
        """The report as the CLI writes it for one file."""
        return self._json

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(self._json)

    def summary(self) -> str:
        top = self.findings[0] if self.findings else None
        tail = f": {top.code} {top.title} at {top.layer or top.location}" if top else ""
        return f"{self.path}: {self.verdict}{tail}"
