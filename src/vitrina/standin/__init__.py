"""A pretend Bitrix shop for tests, benchmarks, the demo and ``vitrina dev``: never the service.

It speaks the real shop's wire formats (``shared/bitrix/``): ``server`` keeps the catalog and
changes it, ``shop_api`` serves the REST API, photos and product pages with injectable faults,
``webhooks`` posts the signed webhooks; ``seed`` draws products in the shapes real responses
have; ``photos`` (with ``flowers`` and ``wrapping``) draws the bouquets; ``serving`` runs a
stand-in on 127.0.0.1, as ``telegram`` does for the Bot API. Only the commands that use it
import it.
"""
