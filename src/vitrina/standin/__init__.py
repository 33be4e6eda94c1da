"""A pretend Bitrix shop for tests, benchmarks, the demo and ``vitrina dev``: never the service.

It speaks the real shop's wire formats (``shared/bitrix/``): ``server`` serves the REST API and
photos and posts signed webhooks, with injectable faults; ``seed`` draws products in the shapes
real responses have; ``photos`` draws the bouquets. Only the commands that use it import it.
"""
