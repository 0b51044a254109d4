"""What the browser tests share: the check that a page does not scroll sideways."""

WIDER_THAN = """width => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width)
    .map(e => e.tagName + '.' + e.className)"""


def fits(page, width=360):
    """No sideways scrolling at this width; else say which elements stick out."""
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, (page.url, overflow, page.evaluate(WIDER_THAN, width)[:10])
