"""The shell's one way of reporting failed workers, for screens and widgets that start them."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from shoptui.tui.app import ShopApp


class ReportsWorkerErrors:
    """Mix into a Screen or Widget: a worker of it that fails is reported by ``app.report_error``.

    A ``ShopError`` is shown with its sentence; anything else is logged with its traceback and
    shown as "Something went wrong". Start every worker with ``exit_on_error=False`` so a failure
    never closes the app. A subclass may add its own ``on_worker_state_changed``: Textual calls
    the handlers of every class in the MRO, so the report still happens.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            node = cast("DOMNode", self)
            cast("ShopApp", node.app).report_error(event.worker.error)
