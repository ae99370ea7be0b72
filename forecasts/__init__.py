"""Contact and handle-time forecasting per interval and queue (see docs/forecasting.md).

    from forecasts import forecast_history
    result = forecast_history(history, date(2026, 11, 30), 7, holiday_country="GB")
    result.table, result.report
"""
import os

# One BLAS thread. statsmodels' state-space fits multiply matrices of a few dozen rows, where a
# BLAS thread pool only contends for the cores: on the 2 shared cores an 18-queue bank history
# took 189 s with OpenBLAS's default threads and 33.5 s with one (the same forecast, byte for
# byte); the sample 37 s and 21 s. The variables cover a numpy loaded after this import (and the
# what-if's worker processes); threadpoolctl one loaded before it (the app, tests, a notebook).
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
from threadpoolctl import threadpool_limits  # noqa: E402

from .core import (ForecastResult, Forecaster, candidate_models, clear_cache, fit_forecaster,
                   forecast_history)
from .data import infer_interval
from .models import DailyProfile, MeanOfWeeks, ModelError, SeasonalNaive

# (After the imports above, which load scipy's own BLAS; a user's own setting is kept.)
_threads = os.environ["OPENBLAS_NUM_THREADS"]
threadpool_limits(limits=int(_threads) if _threads.isdigit() and int(_threads) > 0 else 1, user_api="blas")

__all__ = ["forecast_history", "ForecastResult", "fit_forecaster", "Forecaster", "clear_cache",
           "candidate_models", "infer_interval", "SeasonalNaive", "MeanOfWeeks", "DailyProfile",
           "ModelError"]
