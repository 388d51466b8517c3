"""What the dashboard shows of explanations and previews, against the API's own answers."""

import re

from playwright.sync_api import expect

from tests.browser import formatting
from tests.browser.conftest import Server, open_page


def first_alliance(server: Server) -> str:
    return server.get("/v1/alliances", limit=1).json()["items"][0]["id"]


def test_an_alliance_score_opens_its_explanation(browser, server):
    alliance = first_alliance(server)
    explanation = server.get(
        f"/v1/snapshots/latest/explanations/alliance/{alliance}", axis="performance"
    ).json()
    block = explanation["axes"][0]
    contributed = [item for item in block["indicators"] if item["contribution"] is not None]
    assert contributed and block["score"] is not None
    page, watch = open_page(browser, server)
    try:
        page.goto(f"{server.base_url}/alliances/{alliance}")
        page.get_by_test_id("explain-performance").click()
        expect(page).to_have_url(re.compile(r"explain=performance"))
        panel = page.get_by_test_id("explanation")
        expect(panel.locator("[data-field=score]")).to_have_text(formatting.score(block["score"]))
        # One bar per contributing indicator, plus their sum, which is the score.
        bars = panel.locator("[data-testid=contribution-bars] rect[data-contribution]")
        expect(bars).to_have_count(len(contributed))
        shown = sorted(
            float(value) for value in bars.evaluate_all("rs => rs.map(r => r.dataset.contribution)")
        )
        assert shown == sorted(item["contribution"] for item in contributed)
        assert abs(sum(shown) - block["score"]) < 1e-5
        # Every expected indicator is listed once, with its reason when it has no score.
        rows = panel.locator("[data-testid=explanation-indicators] tbody tr")
        expect(rows).to_have_count(len(block["indicators"]))
        for item in block["indicators"]:
            row = panel.locator(f"tr[data-indicator-id='{item['indicator_id']}']")
            expect(row).to_have_attribute("data-reason", item["reason"] or "")
            expect(row.locator("[data-field=contribution]")).to_have_text(
                formatting.score(item["contribution"])
            )
        trend = panel.get_by_test_id("explanation-trend")
        expect(trend).to_contain_text(formatting.score(block["previous"]["score"]))
        watch.assert_clean(page)
    finally:
        page.context.close()


def test_a_catalyst_roll_up_lists_its_alliances_counted_or_not(browser, server):
    catalyst = server.get("/v1/catalysts", territory="FR-IDF", limit=1).json()["items"][0]["id"]
    explanation = server.get(f"/v1/snapshots/latest/explanations/catalyst/{catalyst}", axis="trust").json()
    alliances = explanation["axes"][0]["alliances"]
    page, watch = open_page(browser, server)
    try:
        page.goto(f"{server.base_url}/catalysts/{catalyst}?explain=trust")
        rows = page.locator("[data-testid=explanation-alliances] tbody tr")
        expect(rows).to_have_count(len(alliances))
        for item in alliances:
            expect(
                page.locator(f"[data-testid=explanation-alliances] tr[data-alliance='{item['alliance_id']}']")
            ).to_be_visible()
        watch.assert_clean(page)
    finally:
        page.context.close()


def test_staff_preview_a_methodology_and_see_what_moves(browser, server):
    page, watch = open_page(browser, server)
    methodology_reads: list[str] = []
    page.on(
        "request",
        lambda request: (
            methodology_reads.append(request.url) if "/v1/methodologies/" in request.url else None
        ),
    )
    try:
        page.goto(f"{server.base_url}/console?tab=previews#key={server.staff_key}")
        config = page.locator("#preview-config")
        expect(config).to_have_value(re.compile(r'"coverage_threshold": 0.5'))
        page.wait_for_load_state("networkidle")
        # Read once: a second read, answered after the edit below, would overwrite it.
        assert len(methodology_reads) == 1, methodology_reads
        config.fill(config.input_value().replace('"coverage_threshold": 0.5', '"coverage_threshold": 0.9'))
        page.get_by_test_id("run-preview").click()
        expect(page.get_by_test_id("preview-progress")).to_have_attribute(
            "data-status", "succeeded", timeout=60_000
        )
        preview_id = re.search(r"preview=([0-9a-f-]+)", page.url).group(1)
        preview = server.get(f"/v1/previews/{preview_id}", server.staff_key).json()
        assert preview["config"]["coverage_threshold"] == 0.9
        rows = server.all_items(f"/v1/previews/{preview_id}/compare", server.staff_key)
        moved = [row for row in rows if row["difference"]]
        expect(page.get_by_test_id("preview-moved")).to_have_text(str(len(moved)))
        differences = page.locator("[data-testid=preview-compare] [data-field=difference]").all_inner_texts()
        assert differences[: len(moved)] == [
            formatting.delta(row["difference"]) for row in moved[: len(differences)]
        ]
        # Nothing was published by it.
        assert preview["snapshot_id"] in {snapshot["id"] for snapshot in server.all_items("/v1/snapshots")}
        # A configuration the method refuses is answered with the field it names.
        config.fill('{"coverage_threshold": 2}')
        page.get_by_test_id("run-preview").click()
        expect(page.get_by_test_id("problem-errors")).to_contain_text("config.coverage_threshold")
        watch.console_errors = [error for error in watch.console_errors if "422" not in error]
        watch.assert_clean(page)
    finally:
        page.context.close()
