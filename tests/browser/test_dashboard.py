"""The dashboard in a real browser, against a real server: every view, its numbers against
the API's, accessibility, the keyboard, the staff console, the CSV download, open data."""

import csv
import io
import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import formatting
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, Server, axe_violations, open_page

AXES = ("performance", "innovation", "trust")


def latest_territory_rows(server: Server) -> dict[tuple[str, str], dict]:
    rows = server.all_items("/v1/snapshots/latest/scores", subject_type="territory")
    return {(row["subject_id"], row["axis"]): row for row in rows}


def alliance_with_a_correction(server: Server) -> str:
    """The demo alliance that holds a corrected value (an observation at revision 2)."""
    for alliance in server.all_items("/v1/alliances"):
        for indicator in server.all_items(f"/v1/alliances/{alliance['id']}/indicators", server.staff_key):
            observations = server.all_items(
                f"/v1/indicators/{indicator['id']}/observations", server.staff_key
            )
            if any(observation["revision"] > 1 for observation in observations):
                return alliance["id"]
    raise AssertionError("The demo data has no corrected value")


# A point of the area's own fill that nothing (a catalyst's point) covers, in page pixels.
FREE_POINT_OF_AREA = """(area) => {
  const box = area.getBoundingClientRect();
  const svg = area.ownerSVGElement;
  const toUser = svg.getScreenCTM().inverse();
  for (let step = 4; step >= 1; step /= 2) {
    for (let y = box.top + step; y < box.bottom; y += step) {
      for (let x = box.left + step; x < box.right; x += step) {
        if (document.elementFromPoint(x, y) !== area) continue;
        const user = new DOMPoint(x, y).matrixTransform(toUser);
        if (area.isPointInFill(user)) return {x, y};
      }
    }
  }
  return null;
}"""


def hover_area(page, code: str):
    area = page.locator(f"[data-testid=france-map] path[data-code='{code}']")
    area.scroll_into_view_if_needed()
    point = area.evaluate(FREE_POINT_OF_AREA)
    assert point, f"No free point inside {code} on the map"
    page.mouse.move(point["x"], point["y"])
    return area


def views(server: Server) -> dict[str, tuple[str, str]]:
    """Each view: its address (with a staff key where it needs one) and what shows it has loaded."""
    alliance = alliance_with_a_correction(server)
    catalyst = server.get("/v1/catalysts", territory="FR-IDF", limit=1).json()["items"][0]["id"]
    key = f"#key={server.staff_key}"
    return {
        "map": ("/", "[data-testid=map-table] tbody tr"),
        "rollups": ("/rollups?type=territory", "[data-testid=rollup-table] tbody tr"),
        "alliance": (f"/alliances/{alliance}{key}", "[data-indicator] svg circle"),
        "catalyst": (f"/catalysts/{catalyst}", "[data-testid=catalyst-alliances] tbody tr"),
        "compare": ("/compare", "[data-testid=compare-table] tbody tr"),
        "console": (f"/console{key}", "[data-testid=job-history] tbody tr"),
    }


@pytest.fixture(scope="module")
def view_addresses(server):
    return views(server)


@pytest.mark.parametrize("view", ["map", "rollups", "alliance", "catalyst", "compare", "console"])
def test_each_view_loads_cleanly_is_accessible_and_fits_a_phone(browser, server, view_addresses, view):
    path, loaded = view_addresses[view]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page, watch = open_page(browser, server, viewport)
        try:
            page.goto(server.base_url + path)
            expect(page.locator(loaded).first).to_be_visible(timeout=15_000)
            page.wait_for_load_state("networkidle")
            watch.assert_clean(page)
            # The key never stays in the address bar.
            assert "#key=" not in page.url
            if viewport is PHONE:
                # At 390 px the page itself never scrolls sideways: wide tables scroll in their box.
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            else:
                assert axe_violations(page) == []
            page.screenshot(path=SCREENSHOTS / f"{view}-{name}.png")
        finally:
            page.context.close()


def test_map_tooltip_and_table_show_the_api_numbers(page_and_watch, server):
    page, watch = page_and_watch
    rows = latest_territory_rows(server)
    region = "FR-PDL"
    department = "FR-35"
    null_axis = ("FR-974", "innovation")
    assert rows[(region, "performance")]["score"] is not None
    assert rows[(department, "performance")]["score"] is not None
    assert rows[null_axis]["score"] is None

    def check(code: str, axis: str) -> None:
        row = rows[(code, axis)]
        area = hover_area(page, code)
        tooltip = page.get_by_test_id("map-tooltip")
        expect(tooltip).to_have_attribute("data-code", code)
        table_row = page.locator(f"[data-testid=map-table] tr[data-code='{code}']")
        if row["score"] is None:
            expect(tooltip.locator("[data-field=score]")).to_have_text(formatting.NO_SCORE)
            expect(table_row.locator("[data-field=score]")).to_have_text(formatting.NO_SCORE)
            # Grey, and not the colour of a score of 0.
            assert area.get_attribute("fill") == "#c8c8c8"
        else:
            score = formatting.score(row["score"])
            expect(tooltip.locator("[data-field=score]")).to_have_text(score)
            expect(tooltip.locator("[data-field=band]")).to_have_text(
                formatting.band(row["lower"], row["upper"])
            )
            trend = f"{formatting.arrow(row['delta_1y'])} {formatting.delta(row['delta_1y'])}".strip()
            expect(tooltip.locator("[data-field=trend]")).to_have_text(trend)
            expect(table_row.locator("[data-field=score]")).to_have_text(score)
            expect(table_row.locator("[data-field=band]")).to_have_text(
                formatting.band(row["lower"], row["upper"])
            )
        counts = f"{row['n_scored']} / {row['n_alliances']}"
        expect(tooltip.locator("[data-field=counts]")).to_have_text(counts)
        expect(table_row.locator("[data-field=counts]")).to_have_text(counts)

    page.goto(server.base_url + "/")
    check(region, "performance")
    page.get_by_label("Départements").check()
    expect(page).to_have_url(re.compile(r"level=department"))
    check(department, "performance")
    page.get_by_role("tab", name=re.compile("Innovation")).click()
    check(*null_axis)
    # Morocco is not on the map of France, but its scores are in the table.
    morocco = rows[("MA-REH", "innovation")]
    expect(page.locator("[data-testid=map-table] tr[data-code='MA-REH'] [data-field=score]")).to_have_text(
        formatting.score(morocco["score"])
    )
    watch.assert_clean(page)


def test_tabs_and_the_map_table_work_with_the_keyboard_alone(page_and_watch, server):
    page, watch = page_and_watch
    page.goto(server.base_url + "/")
    expect(page.locator("[data-testid=map-table] tbody tr").first).to_be_visible()

    def tab_until(predicate: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(predicate):
                return
        raise AssertionError(f"Tab never reached: {predicate}")

    tab_until("document.activeElement.getAttribute('role') === 'tab'")
    assert page.evaluate("document.activeElement.id") == "tab-performance"
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"axis=innovation"))
    assert page.evaluate("document.activeElement.id") == "tab-innovation"
    expect(page.locator("#tab-innovation")).to_have_attribute("aria-selected", "true")
    # The next stop after the tabs is inside the table: the first territory's button.
    tab_until("document.activeElement.closest('[data-testid=map-table]') !== null")
    code = page.evaluate("document.activeElement.closest('tr').dataset.code")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"territory={re.escape(code)}"))
    expect(page.locator(f"[data-testid=map-table] tr[data-code='{code}']")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.locator(f"[data-testid=france-map] path[data-code='{code}']")).to_have_class(
        re.compile("selected")
    )
    # The back button undoes the selection: every filter is in the address.
    page.go_back()
    expect(page.locator(f"[data-testid=map-table] tr[data-code='{code}']")).not_to_have_attribute(
        "aria-current", "true"
    )
    watch.assert_clean(page)


def test_staff_request_an_aggregation_and_follow_it_to_the_new_snapshot(page_and_watch, server):
    page, watch = page_and_watch
    before = {snapshot["id"] for snapshot in server.all_items("/v1/snapshots")}
    page.goto(f"{server.base_url}/console#key={server.staff_key}")
    # The key moved from the address to this tab's storage.
    expect(page.get_by_test_id("job-history")).to_be_visible()
    assert "#key=" not in page.url
    assert page.evaluate("sessionStorage.getItem('observatoire.key')") == server.staff_key
    page.get_by_label("Date T").fill("2026-01-31")
    page.get_by_test_id("run-aggregation").click()
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(page.get_by_test_id("job-progress-value")).to_have_text("100 %")
    new_snapshot = page.get_by_test_id("job-snapshot").locator("a").inner_text()
    after = {snapshot["id"] for snapshot in server.all_items("/v1/snapshots")}
    assert after - before == {new_snapshot}
    job_id = re.search(r"job=([0-9a-f-]+)", page.url).group(1)
    job = server.get(f"/v1/aggregation-jobs/{job_id}", server.staff_key).json()
    assert job["snapshot_id"] == new_snapshot and job["as_of"] == "2026-01-31"
    # The snapshot appears where the public looks for it.
    page.get_by_test_id("job-snapshot").locator("a").click()
    expect(page.locator(f"#snapshot-picker option[value='{new_snapshot}']")).to_have_count(1)
    expect(page.locator("main code").first).to_have_text(new_snapshot)
    watch.assert_clean(page)


def test_a_read_key_sees_no_console_and_the_api_refuses_it_anyway(page_and_watch, server):
    page, watch = page_and_watch
    page.goto(f"{server.base_url}/#key={server.read_key}")
    expect(page.get_by_test_id("access")).to_have_text("Clé de lecture")
    expect(page.get_by_test_id("console-link")).to_have_count(0)
    page.goto(f"{server.base_url}/console")
    expect(page.get_by_test_id("console-refused")).to_be_visible()
    expect(page.get_by_test_id("run-aggregation")).to_have_count(0)
    refused = httpx.post(
        f"{server.base_url}/v1/aggregation-jobs",
        json={},
        headers={"Authorization": f"Bearer {server.read_key}"},
    )
    assert refused.status_code == 403
    watch.assert_clean(page)


def test_the_csv_download_holds_exactly_the_rows_of_the_filtered_view(page_and_watch, server):
    page, watch = page_and_watch
    needle = "FR-9"
    page.goto(f"{server.base_url}/rollups?type=territory&axis=trust&sort=name&dir=asc")
    expect(page.locator("[data-testid=rollup-table] tbody tr").first).to_be_visible()
    page.get_by_label("Filtrer").fill(needle)
    expect(page).to_have_url(re.compile(r"q=FR-9"))
    shown = page.locator("[data-testid=rollup-table] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.subject)"
    )
    with page.expect_download() as download_info:
        page.get_by_test_id("download-csv").click()
    content = download_info.value.path().read_text(encoding="utf-8-sig")
    records = list(csv.DictReader(io.StringIO(content)))
    assert [record["subject_id"] for record in records] == shown
    # ...and those are the API's rows that the filter keeps, with the API's numbers.
    territories = {territory["code"]: territory["name"] for territory in server.all_items("/v1/territories")}
    api_rows = {
        row["subject_id"]: row
        for row in server.all_items("/v1/snapshots/latest/scores", subject_type="territory", axis="trust")
    }
    expected = {
        code
        for code in api_rows
        if needle.lower() in code.lower() or needle.lower() in territories[code].lower()
    }
    assert set(shown) == expected and len(shown) == len(expected) > 0
    assert page.get_by_test_id("row-count").inner_text() == str(len(expected))
    for record in records:
        row = api_rows[record["subject_id"]]
        assert record["axis"] == "trust"
        assert (float(record["score"]) if record["score"] else None) == row["score"]
        assert int(record["n_alliances"]) == row["n_alliances"]
    watch.assert_clean(page)


def test_without_public_read_the_page_asks_for_a_key(browser, closed_server):
    page, watch = open_page(browser, closed_server)
    try:
        page.goto(closed_server.base_url + "/")
        page.get_by_label("Clé d'API").fill(closed_server.read_key)
        page.get_by_role("button", name="Utiliser la clé").click()
        expect(page.locator("[data-testid=map-table] tbody tr").first).to_be_visible()
        expect(page.get_by_test_id("access")).to_have_text("Clé de lecture")
        # The page itself never sent the key anywhere but in the Authorization header.
        assert closed_server.read_key not in closed_server.log.read_text()
        watch.console_errors = [error for error in watch.console_errors if "401" not in error]
        watch.assert_clean(page)
    finally:
        page.context.close()


def test_english_labels_come_from_the_vocabularies(page_and_watch, server):
    page, watch = page_and_watch
    vocabularies = server.get("/v1/vocabularies").json()
    page.goto(server.base_url + "/rollups?type=domain")
    expect(page.locator("[data-testid=rollup-table] tbody tr").first).to_be_visible()
    page.get_by_role("button", name="Switch to English").click()
    expect(page).to_have_url(re.compile(r"lang=en"))
    english = {term["en"] for term in vocabularies["domains"]}
    names = page.locator("[data-testid=rollup-table] tbody th").all_inner_texts()
    assert names and set(names) <= english
    expect(page.locator("html")).to_have_attribute("lang", "en")
    watch.assert_clean(page)


def test_the_alliance_view_marks_every_corrected_value(page_and_watch, server):
    page, watch = page_and_watch
    alliance = alliance_with_a_correction(server)
    corrected = 0
    indicators = server.all_items(f"/v1/alliances/{alliance}/indicators", server.staff_key)
    for indicator in indicators:
        observations = server.all_items(f"/v1/indicators/{indicator['id']}/observations", server.staff_key)
        corrected += sum(observation["revision"] > 1 for observation in observations)
    assert corrected > 0
    page.goto(f"{server.base_url}/alliances/{alliance}#key={server.staff_key}")
    expect(page.locator("[data-indicator]")).to_have_count(len(indicators))
    expect(page.locator("[data-indicator] circle[data-corrected=true]")).to_have_count(corrected)
    # Each indicator shows how it is computed, as the API holds it.
    for indicator in indicators:
        card = page.locator(f"[data-indicator='{indicator['code']}']")
        expect(card).to_contain_text(indicator["calculation_method"])
    watch.assert_clean(page)


def test_compare_puts_the_largest_movers_first(page_and_watch, server):
    page, watch = page_and_watch
    snapshots = server.all_items("/v1/snapshots")
    before, after = snapshots[0]["id"], snapshots[-1]["id"]
    page.goto(f"{server.base_url}/compare?before={before}&after={after}&type=territory&axis=trust")
    rows = page.locator("[data-testid=compare-table] tbody tr")
    expect(rows.first).to_be_visible()
    api_rows = server.all_items(
        f"/v1/snapshots/{after}/compare/{before}", subject_type="territory", axis="trust"
    )
    expected = sorted(
        (row for row in api_rows if row["difference"] is not None), key=lambda row: -abs(row["difference"])
    )
    shown = rows.locator("[data-field=difference]").all_inner_texts()
    assert shown[: len(expected)] == [formatting.delta(row["difference"]) for row in expected]
    assert len(shown) == len(api_rows)
    watch.assert_clean(page)


def test_before_the_first_snapshot_the_views_say_so(browser, empty_server):
    page, watch = open_page(browser, empty_server)
    try:
        for path in ("/", "/rollups"):
            page.goto(empty_server.base_url + path)
            expect(page.get_by_test_id("not-found")).to_have_text("Aucun instantané publié pour l'instant.")
        page.goto(empty_server.base_url + "/compare")
        expect(page.get_by_text("Il faut au moins deux instantanés publiés.")).to_be_visible()
        # The API's answer to `latest` with nothing published is a 404, which the browser logs.
        watch.console_errors = [error for error in watch.console_errors if "404" not in error]
        watch.assert_clean(page)
    finally:
        page.context.close()


def test_on_paper_only_the_data_is_printed(page_and_watch, server):
    page, watch = page_and_watch
    page.goto(server.base_url + "/rollups?type=territory")
    expect(page.locator("[data-testid=rollup-table] tbody tr").first).to_be_visible()
    page.emulate_media(media="print")
    for hidden in ("header.site nav", "footer.site", ".toolbar", "[role=tablist]"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.get_by_test_id("rollup-table")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator("header.site nav")).to_be_visible()
    watch.assert_clean(page)
