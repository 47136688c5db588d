"""The brief: every claim section is complete, the page is self-contained, results repeat."""

from __future__ import annotations

import re

import pytest

from cartelsim.report.brief import BriefConfig, build_brief
from cartelsim.report.render import render_html, write_brief

CLAIMS = ("C1", "C2", "C3", "C4", "C5", "C6")
VERDICTS = ("supported", "not supported", "uncertain", "partly supported", "depends on")


def section_of(html: str, claim: str) -> str:
    start = html.index(f'<h2 id="{claim}">')
    end = html.index("<h2 ", start + 1)
    return html[start:end]


@pytest.mark.parametrize("claim", CLAIMS)
def test_each_claim_section_has_quote_numbers_intervals_figure_verdict(small_html, small_brief,
                                                                        claim):
    section = section_of(small_html, claim)
    found = next(c for c in small_brief.claims if c.id == claim)
    assert "<blockquote>" in section and "The question." in section
    assert "The experiment." in section
    # numbers with a 90 % interval: 'median [low, high]'
    assert re.search(r"[-+]?[\d,.]+ \[[-+]?[\d,.]+, [-+]?[\d,.]+\]", section)
    assert "data:image/png;base64," in section
    assert found.verdict.label.startswith(VERDICTS)
    assert found.verdict.reason and found.verdict.reason in section.replace("&#39;", "'")
    assert "Assumptions and their sources" in section and found.assumptions
    assert all(e.runs == 6 for e in found.estimates if e.base is not None)


def test_summary_table_lists_every_claim_with_its_verdict(small_html, small_brief):
    summary = small_html[small_html.index('id="summary"'):small_html.index("How to read")]
    for claim in small_brief.claims:
        assert f'href="#{claim.id}"' in summary and claim.verdict.label in summary


def test_reproduction_limits_and_no_political_side(small_html, small_brief):
    assert small_brief.reproduction["available"]
    assert "members in 2022" in small_html and "agrees" in small_html
    assert "both together (not in the paper)" in small_html
    assert "The combined policy on this brief's world" in small_html
    assert "The model's limits" in small_html and len(small_brief.limits) >= 5
    assert "takes no political side" in small_html


def test_page_is_self_contained(small_html):
    """Opens offline: nothing is fetched from the network (no http(s) src or href, no
    external scripts, styles or fonts)."""
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", small_html, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", small_html, re.I)
    assert "<script" not in small_html and "<link" not in small_html
    assert small_html.count("data:image/png;base64,") >= 10


def test_c1_says_whether_the_organisation_engine_is_there(small_brief):
    import importlib.util

    notes = " ".join(next(c for c in small_brief.claims if c.id == "C1").notes)
    if importlib.util.find_spec("cartelsim.organisation") is None:
        assert "not installed" in notes
    else:
        assert "Organisation engine (L4)" in notes


def numbers(brief) -> list:
    return [(c.id, [(e.label, e.median, e.low, e.high) for e in c.estimates],
             c.verdict.label,
             [(s.parameter, s.end, s.estimate.median) for s in c.sensitivity.swings])
            for c in brief.claims]


def test_same_seed_same_numbers(tmp_path):
    config = dict(quick=True, runs=6, seed=11, data=tmp_path, claims=("C4",),
                  swing_parameters=1, workers=1, replay_runs=0)
    one = build_brief(BriefConfig(**config))
    again = build_brief(BriefConfig(**config))
    assert numbers(one) == numbers(again)
    assert numbers(one)[0][3], "the swing was run"
    other = build_brief(BriefConfig(**{**config, "seed": 12}))
    assert numbers(other) != numbers(one)


def test_worker_processes_give_the_same_results():
    from cartelsim.report.world import Runner, make_setup, scenario_data

    setup = make_setup("mexico2025", weeks=30, runs=4, seed=9)
    requests = [(scenario_data(setup, "status-quo", []), {}, None, None),
                (scenario_data(setup, "arrests", [{"action": "scale_arrests", "effect": 2.0,
                                                   "start": setup.policy_date}]),
                 {"saturation": 6e-8}, 3, 20)]
    here, pool = Runner(setup), Runner(setup, workers=2, parallel_from=0)
    here.prefetch(requests)
    pool.prefetch(requests)
    assert here.cache.keys() == pool.cache.keys() and len(here.cache) == 2
    for key, ds in here.cache.items():
        assert ds.identical(pool.cache[key])
    assert pool.run(*requests[1]).sizes["run"] == 3  # served from the cache


def test_write_is_atomic(tmp_path, small_brief, monkeypatch):
    target = tmp_path / "brief.html"
    write_brief(small_brief, target)
    assert target.read_text(encoding="utf-8") == render_html(small_brief)
    target.write_text("earlier brief", encoding="utf-8")

    def broken(brief):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr("cartelsim.report.render.render_html", broken)
    with pytest.raises(RuntimeError):
        write_brief(small_brief, target)
    assert target.read_text(encoding="utf-8") == "earlier brief"
    assert [p.name for p in tmp_path.iterdir()] == ["brief.html"]


def test_the_record_comes_first_and_says_whether_the_model_was_scored(small_html, small_brief):
    assert small_html.index('id="record"') < small_html.index('id="summary"')
    record = small_brief.record
    assert record["replay"] is not None and record["coverage"]["years"] == 15
    assert record["scores"]["available"] or "not been scored" in small_html
    in_sample = record["in_sample"]  # the packaged in_sample.csv, with the discrepancy
    assert in_sample["available"]
    assert f"holds <strong>{in_sample['in_90']} of {in_sample['years']}</strong>" in small_html


def test_first_months_after_the_killing(small_brief, small_html):
    rows = small_brief.aftermath["rows"]
    assert [r["month"] for r in rows] == list(range(1, 13))
    split = [r["split"] for r in rows]
    assert all(0.0 <= s <= 1.0 for s in split) and split == sorted(split)  # "by month m"
    assert all(r["deaths"].runs == 6 for r in rows)
    assert 'id="aftermath"' in small_html and "has split" in small_html


def test_homicide_caveat_stands_beside_the_numbers(small_html, small_brief):
    for claim in small_brief.claims:
        if claim.homicides:
            section = section_of(small_html, claim.id)
            results = section.index("<h3>Results</h3>")
            assert section.index('class="caveat"') > results
            assert section.index('class="caveat"') < section.index("How much is assumed")


def test_c4_spares_the_tolerated_group_after_the_cjng_killing(small_brief):
    from cartelsim.report.claims import c4_selective
    from cartelsim.report.claims.base import Context
    from cartelsim.report.world import Runner, make_setup

    setup = make_setup("mexico2025", weeks=20, runs=2, seed=1)
    ctx = Context(setup, Runner(setup), plan=None)  # type: ignore[arg-type]
    spared, neutral = c4_selective.selective(ctx), c4_selective.neutral(ctx)
    actions = [item["action"] for item in spared["interventions"]]
    assert actions[0] == "remove_leader" and "focus_arrests" in actions
    assert spared["interventions"][0]["target"] == {"groups": [setup.target]}
    assert [i["action"] for i in neutral["interventions"]] == ["remove_leader"]
    c4 = next(c for c in small_brief.claims if c.id == "C4")
    assert "cannot tell" not in " ".join(name for name, _ in c4.parts)


def test_doubled_incapacitation_is_stated_against_rates_unchanged(small_brief):
    rows = {r["policy"]: r for r in small_brief.reproduction["combined"]}
    doubled, unchanged = rows["incapacitation doubled"], rows["rates unchanged"]
    text = small_brief.reproduction["doubled"]
    for key in ("members", "deaths"):
        word = "lower" if doubled[key] < unchanged[key] else "higher"
        assert f"{word} than the {unchanged[key]:,.0f}" in text
    assert "with rates unchanged" in text and "of 2022" in text


def test_summary_shows_the_verdict_at_the_centre(small_html, small_brief):
    summary = small_html[small_html.index('id="summary"'):small_html.index("How to read")]
    centre = small_brief.claims[0].sensitivity.centre
    assert summary.count(f'<span class="small">at {centre}</span>') == len(small_brief.claims)
