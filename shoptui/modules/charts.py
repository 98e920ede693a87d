"""The analytics screen: sales and traffic charts over a period, and the dashboard's 30-day sales sparkline
(the reports themselves are the analytics module's)."""

from shoptui.modules import ModuleSpec, Screen

MODULE = ModuleSpec(
    name="charts",
    order=70,
    screens=(Screen("analytics", "Analytics", "ctrl+u", "shoptui.tui.screens.analytics.screen:AnalyticsScreen",
                    order=70, short="Charts", permissions=("reports.view",)),),
    extra={"dashboard_spark": "shoptui.tui.screens.analytics.data:dashboard_spark"},
)
