"""Evidence files and the investigators' export: a JSON file with a manifest of SHA-256 hashes.

``add_evidence`` records a file by its absolute path with its SHA-256 and size (the register's
evidence rows are append-only). ``export_incident`` writes ``FILE.json`` and copies every evidence
file into ``FILE.evidence/`` beside it; the JSON holds the whole incident record and a manifest:

* ``incident_sha256``: SHA-256 of the canonical JSON of the incident record (keys sorted, no
  whitespace, UTF-8);
* one entry per evidence file: its path inside the bundle, SHA-256 and size;
* ``manifest_sha256`` (beside the manifest): SHA-256 of the manifest's canonical JSON. Give this
  digest to the recipient by another channel: a file whose record, hashes and manifest were all
  rewritten consistently still verifies against itself, but not against the digest sent apart.

``verify_export`` recomputes every hash and names each thing that does not match.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from bastion import __version__
from bastion.incidents.register import Register, utc_now

FORMAT = "bastion-incident-export/1"
_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> tuple[str, int]:
    """SHA-256 (hex) and size [bytes] of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def canonical_json(obj) -> bytes:
    """The bytes that are hashed: sorted keys, no whitespace, UTF-8, NaN refused."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256_json(obj) -> str:
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def add_evidence(
    reg: Register,
    incident_id: int,
    file: str | Path,
    note: str = "",
    inscription: str = "",
    lat: float | None = None,
    lon: float | None = None,
) -> int:
    """Attach ``file`` (by absolute path, with its SHA-256) to an incident; return the evidence id.

    Raises FileNotFoundError / IsADirectoryError for a missing file, KeyError for an unknown incident."""
    p = Path(file)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file")
    if not p.is_file():
        raise IsADirectoryError(f"{p}: not a regular file")
    digest, size = sha256_file(p)
    return reg.add_evidence(incident_id, str(p.resolve()), digest, size, note, inscription, lat, lon)


def export_incident(reg: Register, incident_id: int, out: str | Path) -> tuple[Path, str]:
    """Write the export JSON and its evidence folder; return (path, manifest SHA-256).

    A file whose current hash differs from the one recorded when it was attached is not copied:
    ValueError names it (the register's hash is the evidence; a changed file is not)."""
    out = Path(out)
    inc = reg.get(incident_id)
    record = inc.to_dict()
    bundle = out.with_name(out.stem + ".evidence")
    entries = []
    for ev in inc.evidence:
        src = Path(ev["path"])
        if not src.is_file():
            raise FileNotFoundError(f"evidence #{ev['evidence_id']}: {src} is missing; cannot export it")
        digest, size = sha256_file(src)
        if digest != ev["sha256"]:
            raise ValueError(
                f"evidence #{ev['evidence_id']}: {src} has changed since it was attached "
                f"(sha256 now {digest[:16]}…, recorded {ev['sha256'][:16]}…)"
            )
        entries.append(
            {
                "evidence_id": ev["evidence_id"],
                "file": f"{bundle.name}/{ev['evidence_id']}-{src.name}",
                "sha256": digest,
                "size_bytes": size,
            }
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    if entries:
        bundle.mkdir(exist_ok=True)
        for ev, e in zip(inc.evidence, entries, strict=True):
            shutil.copyfile(ev["path"], out.parent / e["file"])
    manifest = {
        "algorithm": "sha256",
        "incident_id": incident_id,
        "incident_sha256": sha256_json(record),
        "evidence": entries,
    }
    doc = {
        "format": FORMAT,
        "exported_utc": utc_now(),
        "bastion_version": __version__,
        "incident": record,
        "manifest": manifest,
        "manifest_sha256": sha256_json(manifest),
    }
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    return out, doc["manifest_sha256"]


@dataclass
class Verification:
    path: str
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    manifest_sha256: str = ""

    def fail(self, msg: str) -> None:
        self.ok = False
        self.problems.append(msg)


def verify_export(path: str | Path, evidence_dir: str | Path | None = None, expect: str | None = None) -> Verification:
    """Check an export: the record against its hash, the manifest against its hash and against the
    record's evidence list, and every evidence file against its hash. Files are looked for under
    ``evidence_dir`` (default: the export's own folder) by their bundle path."""
    path = Path(path)
    v = Verification(str(path))
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        v.fail(f"cannot read {path}: {exc.strerror or exc}")
        return v
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        v.fail(f"{path} is not a JSON export ({exc})")
        return v
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        v.fail(
            f"{path} is not a bastion incident export "
            f"(format {doc.get('format') if isinstance(doc, dict) else None!r}, expected {FORMAT!r})"
        )
        return v
    record, manifest = doc.get("incident"), doc.get("manifest")
    if not isinstance(record, dict) or not isinstance(manifest, dict):
        v.fail("the export lacks its incident record or its manifest")
        return v
    try:
        actual = sha256_json(manifest)
    except (TypeError, ValueError) as exc:
        v.fail(f"the manifest cannot be hashed ({exc})")
        return v
    v.manifest_sha256 = actual
    if actual != doc.get("manifest_sha256"):
        v.fail(f"the manifest was changed: its SHA-256 is {actual}, the file states {doc.get('manifest_sha256')}")
    else:
        v.checked.append(f"manifest sha256 {actual}")
    if expect is not None and actual != expect.lower():
        v.fail(f"the manifest's SHA-256 {actual} is not the digest given separately ({expect})")
    try:
        rec_hash = sha256_json(record)
    except (TypeError, ValueError) as exc:
        v.fail(f"the incident record cannot be hashed ({exc})")
        return v
    if rec_hash != manifest.get("incident_sha256"):
        v.fail(
            f"the incident record was changed after export: its SHA-256 is {rec_hash}, "
            f"the manifest states {manifest.get('incident_sha256')}"
        )
    else:
        v.checked.append(f"incident record sha256 {rec_hash}")
    entries = manifest.get("evidence") or []
    recorded = {e.get("evidence_id"): e for e in record.get("evidence") or []}
    if sorted(recorded) != sorted(e.get("evidence_id") for e in entries):
        v.fail(
            f"the manifest lists evidence {sorted(e.get('evidence_id') for e in entries)}, "
            f"the record lists {sorted(recorded)}"
        )
    base = Path(evidence_dir) if evidence_dir is not None else path.parent
    for e in entries:
        eid = e.get("evidence_id")
        rec = recorded.get(eid)
        if rec is not None and rec.get("sha256") != e.get("sha256"):
            v.fail(f"evidence #{eid}: the record says sha256 {rec.get('sha256')}, the manifest {e.get('sha256')}")
        f = base / str(e.get("file", ""))
        if not f.is_file():
            v.fail(f"evidence #{eid}: file {f} not found (cannot verify it)")
            continue
        digest, size = sha256_file(f)
        if digest != e.get("sha256") or size != e.get("size_bytes"):
            v.fail(
                f"evidence #{eid}: {f} does not match: sha256 {digest} ({size} bytes), "
                f"manifest {e.get('sha256')} ({e.get('size_bytes')} bytes)"
            )
        else:
            v.checked.append(f"evidence #{eid} {f.name} sha256 {digest}")
    return v
