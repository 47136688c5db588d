"""Turn the figures `make reliability` collected into the Markdown table of RELIABILITY.md.

    python tests/reliability/summary.py outputs/reliability/stats.jsonl outputs/reliability/load.json
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus" / "INDEX.toml"


def main(stats_path: str, load_path: str, seconds: str = "") -> None:
    stats: dict[str, list[dict]] = {}
    for line in Path(stats_path).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        stats.setdefault(row.pop("test"), []).append(row)
    index = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
    bad = sum(c["expect"] == "error" for c in index["data"]) + len(index["scenario"])
    good = sum(c["expect"] == "load" for c in index["data"])
    rows = [("bad-input corpus", f"{bad} malformed files ({sum(c['expect'] == 'error' for c in index['data'])} "
             f"data files, {len(index['scenario'])} scenarios) through run/compare "
             f"(+ reproduce/calibrate for BACRIM); {good} BOM/CRLF variants",
             "exit 2, one line naming file/line/field, nothing written; variants load")]
    for name, label in (("fuzz_scenarios", "fuzzing: scenarios (dicts + mutated TOML)"),
                        ("fuzz_data", "fuzzing: mutated CSV data files")):
        for row in stats.get(name, []):
            extra = (f", {row['valid']} valid ({row['ran']} simulated)" if "valid" in row
                     else f", {row['loaded']} loaded")
            rows.append((label, f"{row['examples']} generated cases{extra}",
                         f"{row['refused'] + row.get('refused_when_run', 0)} one-line "
                         "CartelsimErrors, no other exception"))
    for name, row in ((k, v[-1]) for k, v in stats.items() if k.startswith("faults_ensemble")):
        rows.append((f"faults: ensemble ({name.removeprefix('faults_ensemble_')})",
                     f"{row['kills']} kills ({row['sigkill']} SIGKILL, {row['sigint']} SIGINT)",
                     "resumed: every chunk once, equal to the uninterrupted run"))
    for row in stats.get("faults_run_sigkill", []):
        rows.append(("faults: `run` killed mid-way", f"{row['absent'] + row['complete']} SIGKILLs",
                     f"{row['absent']} left no output, {row['complete']} a complete one; "
                     "never a partial file"))
    for row in stats.get("schemathesis", []):
        rows.append(("schemathesis (OpenAPI)", f"{row['cases']} generated requests",
                     f"{row['server_errors']} server errors (5xx)"))
    load = json.loads(Path(load_path).read_text(encoding="utf-8"))
    rows.append(("load: `cartelsim serve`",
                 f"{load['clients']} clients, {load['duration_s']:g} s, {load['requests']} "
                 f"requests ({load['requests_per_s']:g}/s), {load['jobs_completed']} runs",
                 f"p95 {load['latency_p95_ms']:g} ms (p50 {load['latency_p50_ms']:g}, max "
                 f"{load['latency_max_ms']:g}); {load['server_errors_5xx']} 5xx, "
                 f"{load['transport_errors']} transport errors, {load['rejected_429']} x 429, "
                 f"{load['timeouts_503']} x 503; RSS {load['rss_start_mb']:g}->"
                 f"{load['rss_max_mb']:g} MB; results mixed: "
                 f"{'no' if load['ok'] else 'SEE PROBLEMS'}"))
    print("| what | tried | result |\n| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if seconds:
        print(f"\n`pytest tests/reliability` (long profile) took {seconds} s.")


if __name__ == "__main__":
    main(*sys.argv[1:])
