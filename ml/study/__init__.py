"""The study: experiments (ablation, learning curve, seeds, schedule length), the study's own setup,
the hypotheses' and trust targets' verdicts, and the report that prints them."""
