"""The reviewer app in a real Chromium (Playwright): two reviewers grade a site, blind to each other, and the lead
decides where they disagree; grades survive a reload; archived pages show without running their scripts or
reaching the live site; a criterion can be graded with the keyboard alone. One browser for the module."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from crawler.browser import launch_options
from survey import schema
from survey.pipeline import score_round
from tests.crawlsite import FixtureSite, Response
from tests.webapp import PASSWORD, build_round, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # The "live site" the archived pages point at: it must never be asked for anything.
    beacon = FixtureSite({}, not_found=Response("gotcha", status=200)).start()
    built = build_round(tmp_path_factory.mktemp("browser") / "survey.db", beacon=beacon.url)
    server = serve(built)
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        yield built, server.url, browser, beacon
        browser.close()
    server.stop()
    beacon.stop()


def log_in(browser, base: str, name: str):
    page = browser.new_context().new_page()
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Rounds")).to_be_visible()
    return page


def grade(page, criterion: str, level: str, note: str = "") -> None:
    section = page.locator(f"#c-{criterion}")
    section.locator(f'input[name="grade"][value="{level}"]').check()
    section.get_by_label("Note").fill(note)
    section.get_by_role("button", name=re.compile("^Save ")).click()
    expect(page.locator(f"#c-{criterion} .flash")).to_be_visible()


def stored(built, table, **where):
    with built.db.engine.connect() as conn:
        query = select(table)
        for k, v in where.items():
            query = query.where(table.c[k] == v)
        return [dict(r) for r in conn.execute(query).mappings()]


def test_two_reviewers_and_a_lead_complete_a_site(world):
    built, base, browser, _ = world
    criteria = [c.id for c in built.rubric.judged]
    alice_levels = dict(zip(criteria, ["4", "3", "1", "2", "3", "4", "2"]))
    bob_levels = dict(zip(criteria, ["4", "3", "1", "3", "5", "4", "2"]))  # disagrees on two

    alice = log_in(browser, base, "alice")
    alice.get_by_role("link", name="r1").click()
    expect(alice.locator('tr[data-site="ministry-one"] .count')).to_have_text("0/7")
    expect(alice.locator('tr[data-site="ministry-three"]')).to_have_count(0)  # bob's alone
    alice.get_by_role("link", name="Ministry One").click()
    for crit, level in alice_levels.items():
        grade(alice, crit, level, f"alice-note-{crit}")
    alice.reload()
    for crit, level in alice_levels.items():
        expect(alice.locator(f'#c-{crit} input[name="grade"][value="{level}"]')).to_be_checked()
        expect(alice.locator(f"#c-{crit}").get_by_label("Note")).to_have_value(f"alice-note-{crit}")
    expect(alice.locator("#progress")).to_have_text("7/7")

    bob = log_in(browser, base, "bob")
    bob.goto(f"{base}/rounds/{built.round.id}/sites/ministry-one")
    expect(bob.get_by_role("heading", name="Ministry One")).to_be_visible()
    assert "alice-note" not in bob.content()  # blind: nothing of alice's grades
    expect(bob.locator(".others")).to_have_count(0)
    expect(bob.locator('input[name="grade"]:checked[value="1"], input[name="grade"]:checked[value="2"]')).to_have_count(0)
    for crit, level in bob_levels.items():
        grade(bob, crit, level, "bob's own view")
    assert "alice-note" not in bob.content()
    bob.goto(f"{base}/rounds/{built.round.id}/sites/ministry-one/history")
    assert "alice" not in bob.locator("table.history").inner_text()

    lena = log_in(browser, base, "lena")
    lena.get_by_role("link", name="r1").click()
    lena.get_by_role("link", name="Disagreements (2 open)").click()
    item = lena.locator('section.queue-item[data-site="ministry-one"][data-criterion="forms"]')
    expect(item).to_contain_text("alice: 3")
    expect(item).to_contain_text("bob: 5")
    item.get_by_label("4").check()
    item.get_by_label("Reason").fill("two forms online, instructions only on one")
    item.get_by_role("button", name="Decide").click()
    expect(lena.locator(".flash")).to_have_text("Decision saved.")
    expect(lena.locator('section.queue-item.decided[data-criterion="forms"]')).to_contain_text("Decided: 4 by lena")
    lena.get_by_role("link", name="Round r1").click()
    expect(lena.get_by_role("link", name="Disagreements (1 open)")).to_be_visible()
    lena.get_by_role("link", name="Agreement", exact=True).click()
    expect(lena.locator('tr[data-criterion="*"] td').first).to_have_text("7")
    expect(lena.locator('tr[data-criterion="*"] td[data-metric="exact"]')).to_have_text("0.71")  # 5 of 7 cells

    adj = stored(built, schema.adjudications, site_id="ministry-one")
    assert [(a["criterion"], a["level"], a["reason"], a["decided_by"]) for a in adj] == [
        ("forms", 4.0, "two forms online, instructions only on one", "lena")]
    finals = score_round(built.db, built.round, built.rubric)["ministry-one"]
    assert {c: (f.level, f.provenance) for c, f in finals.items()} == {
        c: ((4.0, "adjudicated") if c == "forms" else
            (float(alice_levels[c]), "agreed") if alice_levels[c] == bob_levels[c] else (3.0, "automated"))
        for c in criteria}
    history = stored(built, schema.grade_history, site_id="ministry-one", reviewer="alice")
    assert len(history) == 7 and all(h["source"] == "web" and h["changed_by"] == "alice" for h in history)


def test_archived_pages_show_without_scripts_or_outside_requests(world):
    built, base, browser, beacon = world
    page = log_in(browser, base, "alice")
    page.goto(f"{base}/rounds/{built.round.id}/sites/ministry-two#archive")
    frame = page.frame_locator("iframe.archived")
    expect(frame.locator("#heading")).to_have_text("Ministry Two")
    assert frame.locator("body").get_attribute("data-scripted") is None
    frame.locator("#send").click()  # a form in an archived page goes nowhere
    page.goto(f"{base}/rounds/{built.round.id}/captures/{built.captures['ministry-two']}")  # opened on its own
    expect(page.locator("#heading")).to_have_text("Ministry Two")
    assert page.locator("body").get_attribute("data-scripted") is None
    page.goto(f"{base}/rounds/{built.round.id}/sites/ministry-one")
    shot = page.locator(".evidence-pane figure img")
    expect(shot).to_be_visible()
    assert shot.evaluate("img => img.naturalWidth") == 2  # the screenshot is served
    assert beacon.paths() == []
    page.goto(f"{base}/")  # still logged in: the archived page's fetch("/logout") never ran
    expect(page.get_by_role("heading", name="Rounds")).to_be_visible()


def test_a_criterion_can_be_graded_with_the_keyboard(world):
    built, base, browser, _ = world
    page = log_in(browser, base, "bob")
    page.goto(f"{base}/rounds/{built.round.id}/sites/ministry-three")
    page.locator('#c-transparency input[name="grade"][value="1"]').focus()
    page.keyboard.press("ArrowDown")  # radio group: arrows move the choice
    page.keyboard.press("ArrowDown")
    for _ in range(4):  # past "cannot assess", "not graded", to the note
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "note":
            break
    assert page.evaluate("document.activeElement.id") == "note-transparency"
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Save Transparency"
    page.keyboard.press("Enter")
    expect(page.locator("#c-transparency .flash")).to_be_visible()
    row = stored(built, schema.grades, site_id="ministry-three", criterion="transparency", reviewer="bob")
    assert [(r["level"], r["note"]) for r in row] == [(3.0, "typed without a mouse")]
