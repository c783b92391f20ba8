"""The key footer of every screen: Textual's, rebuilt only when the keys it shows change.

A screen refreshes its bindings on every focus change and when it mounts; Textual's
footer then recomposes all of its keys each time, though they are usually the same.
Rebuilding a dozen keys five times over took a quarter of a second of the event loop
while the agenda was loading at start-up.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


def shown_keys(screen: Screen[Any]) -> tuple[tuple[object, ...], ...]:
    """What the footer would show for ``screen``: each shown binding (and the command
    palette's), enabled or not. Hidden ones, such as a focused table's, change nothing."""
    palette = screen.app.COMMAND_PALETTE_BINDING
    return tuple(
        (key, binding.key_display, binding.description, enabled, tip)
        for key, (_node, binding, enabled, tip) in screen.active_bindings.items()
        if binding.show or key == palette
    )


class Footer(TextualFooter):
    _shown: tuple[tuple[object, ...], ...] | None = None

    def compose(self) -> ComposeResult:
        # Textual's footer starts empty and fills in once the screen has been painted
        # and reports its bindings: one more layout and paint, about 90 ms after a
        # detail screen appeared. The screen's keys are known already when it mounts.
        self._bindings_ready = True
        self._shown = shown_keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        will_recompose = screen.app.app_focus and self.is_attached and screen is self.screen
        if will_recompose:
            shown = shown_keys(screen)
            if self._bindings_ready and shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
