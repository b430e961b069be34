"""Learn: KPIs, detection quality and, later, models and what-if replay."""
