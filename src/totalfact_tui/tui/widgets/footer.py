"""The key footer of every screen: Textual's, rebuilt only when the keys it shows change.

A screen refreshes its bindings on every focus change and when it mounts; Textual's
footer then recomposes all of its keys each time, though they are usually the same.
Rebuilding a dozen keys five times over took a quarter of a second of the event loop
while the agenda was loading at start-up.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


def shown_keys(screen: Screen[Any]) -> tuple[tuple[object, ...], ...]:
    """What the footer would show for ``screen``: each binding, enabled or not."""
    return tuple(
        (binding.key, binding.key_display, binding.description, binding.show, enabled, tip)
        for _node, binding, enabled, tip in screen.active_bindings.values()
    )


class Footer(TextualFooter):
    _shown: tuple[tuple[object, ...], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        will_recompose = screen.app.app_focus and self.is_attached and screen is self.screen
        if will_recompose:
            shown = shown_keys(screen)
            if self._bindings_ready and shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
