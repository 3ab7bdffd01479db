"""Engagement: weapon assignment, scheduling, fire control, safety checks, kill assessment.

Works on tracks and the threat picture only (never on truth). Produces
:class:`~bastion.orders.FireOrder` s for the guns, and an event for every decision, including every
refusal with its reason.
"""
