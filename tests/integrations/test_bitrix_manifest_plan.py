"""The resend plan of a manifest reconcile: what to ask the module for, as a pure rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vitrina.config import load_settings
from vitrina.integrations.bitrix.manifest import Known, plan_resend, shop_sites

ids = st.integers(min_value=1, max_value=60)
stamps = st.sampled_from(["a", "b", "c"])
manifests = st.dictionaries(ids, stamps)
catalogs = st.dictionaries(ids, st.builds(Known, st.booleans(), st.none() | stamps))


def test_each_kind_of_drift_is_found():
    listed = {1: "a", 2: "b", 3: "c", 4: "d"}
    known = {
        1: Known(True, "a"),  # in sync
        2: Known(True, "old"),  # changed
        3: Known(False, None),  # imported from REST before the module: no stamp yet
        5: Known(True, "x"),  # gone from the shop
        6: Known(False, "y"),  # gone, and already off in Vitrina: agrees
    }
    plan = plan_resend(listed, known)
    assert (plan.missing, plan.changed, plan.vanished, plan.unchanged) == ([4], [2, 3], [5], 1)
    assert plan.ids == [2, 3, 4, 5]


@given(manifests, catalogs)
def test_after_the_resend_applies_nothing_is_left_to_ask(listed, known):
    """Applying the plan as the module would (listed products arrive with their stamps, the rest
    as deletions) leaves a catalog whose next plan is empty."""
    plan = plan_resend(listed, known)
    healed = dict(known)
    for pid in plan.ids:
        healed[pid] = Known(True, listed[pid]) if pid in listed else Known(False, None)
    again = plan_resend(listed, healed)
    assert again.ids == []
    assert again.unchanged == len(listed)


@given(manifests, catalogs)
def test_the_plan_asks_only_for_drift_and_each_id_once(listed, known):
    plan = plan_resend(listed, known)
    for pid in plan.ids:
        in_sync = pid in listed and pid in known and known[pid].stamp == listed[pid]
        off_and_gone = pid not in listed and not known[pid].on_sale
        assert not in_sync and not off_and_gone
    assert len(plan.ids) == len(set(plan.missing) | set(plan.changed) | set(plan.vanished))
    assert len(plan.missing) + len(plan.changed) + plan.unchanged == len(listed)


@given(manifests, catalogs)
def test_resend_all_asks_for_every_listed_product(listed, known):
    plan = plan_resend(listed, known, resend_all=True)
    assert set(listed) <= set(plan.ids)


def test_the_sites_of_a_shop_come_from_the_mapping():
    assert shop_sites(load_settings(), 1) == [None]
    settings = load_settings(bitrix_site_shops="s1=1,s2=2,s3=1")
    assert shop_sites(settings, 1) == ["s1", "s3"]
    assert shop_sites(settings, 9) == []
