"""Interventions: what (an action) x when (a schedule) x to whom (a target), STYLE.md 4.

Actions reduce to a few engine-neutral effects on a `Setting` (scale a rate, aim arrests,
remove members), so the engines never change when an action is added.
"""
