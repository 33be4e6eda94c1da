"""Search analytics: the searches and clicks recorded, read by the dashboard and ``/metrics``."""
