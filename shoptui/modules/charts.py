"""The analytics screen: sales and traffic charts over a period (the reports are the analytics module's)."""

from shoptui.modules import ModuleSpec, Screen

MODULE = ModuleSpec(
    name="charts",
    order=70,
    screens=(Screen("analytics", "Analytics", "ctrl+u", "shoptui.tui.screens.analytics.screen:AnalyticsScreen",
                    order=70, short="Charts"),),
)
