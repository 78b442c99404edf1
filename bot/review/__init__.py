"""The exception queue's work: what the bot proposed and why (proposal.py, candidates.py),
what a page shows about one item (item_view.py), the checks a person's allocations pass
(validate.py) and the actions billing admins take (actions.py)."""
