"""Customers' requests «Закажите похожий»: stored, listed on the dashboard, forwarded to the shop."""
