"""Contact and handle-time forecasting per interval and queue (see docs/forecasting.md).

    from forecasts import forecast_history
    result = forecast_history(history, date(2026, 11, 30), 7, holiday_country="GB")
    result.table, result.report
"""
from .core import (ForecastResult, Forecaster, candidate_models, clear_cache, fit_forecaster,
                   forecast_history)
from .data import infer_interval
from .models import DailyProfile, MeanOfWeeks, ModelError, SeasonalNaive

__all__ = ["forecast_history", "ForecastResult", "fit_forecaster", "Forecaster", "clear_cache",
           "candidate_models", "infer_interval", "SeasonalNaive", "MeanOfWeeks", "DailyProfile",
           "ModelError"]
