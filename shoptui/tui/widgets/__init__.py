"""Small widgets of the shell: top bar, sidebar, KPI card, search box, notification centre."""
