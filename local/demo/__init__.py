"""`make demo`: a day of trading for one demo merchant, through the whole local stack."""
