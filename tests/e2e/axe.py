"""axe-core in the browser tests: ``assert_accessible(page)`` runs every rule of axe-core (WCAG 2.x
A and AA and axe's best practices) on the page as it is now and fails on any violation, whatever
its impact, listing rule, impact, help and the elements concerned.

axe-core is vendored in tests/e2e/vendor/ (see the README there), never served by the portal. It is
evaluated through the DevTools protocol, so the portal's Content-Security-Policy (no inline
scripts) needs no exception.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE = Path(__file__).with_name("vendor") / "axe-4.14.1.min.js"


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """axe-core's violations on the page: rule id, impact, help and the targets of the elements."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate("""async () => {
        const results = await axe.run(document, {resultTypes: ['violations']});
        return results.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.split('\\n').slice(1).join(' ').trim() : ''))
        }));
    }""")


def describe(found: list[dict], limit: int = 5) -> str:
    lines = []
    for violation in found:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}, {len(violation['nodes'])} element(s)")
        lines += [f"    {node[:300]}" for node in violation["nodes"][:limit]]
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    """Fail when axe-core finds any violation on the page."""
    found = violations(page)
    assert not found, f"axe-core on {where or page.url}:\n{describe(found)}"
