"""The XGBoost side of the gbdt benchmark: same files, same parameters as
`gbdtbench train`, the same result JSON fields. Run with /usr/bin/python3
(Debian's python3-xgboost)."""
import argparse
import json
import time

import numpy as np
import xgboost as xgb
from sklearn.datasets import load_svmlight_file


def load(fmt, path, nf):
    if fmt == "f32":
        a = np.fromfile(path, dtype="<f4").reshape(-1, nf + 1)
        return np.ascontiguousarray(a[:, 1:]), a[:, 0].astype(np.int64)
    if fmt == "csv":
        a = np.loadtxt(path, delimiter=",", dtype=np.float64)
        return a[:, 1:], a[:, 0].astype(np.int64)
    # Absent libsvm entries are missing to XGBoost and 0 to spoor gbdt; with
    # binary features both give the same partitions.
    X, y = load_svmlight_file(path, n_features=nf, zero_based=True)
    return X.tocsr(), y.astype(np.int64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--format", default="f32")
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--features", type=int, required=True)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--leaves", type=int, default=31)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--maxbin", type=int, default=255)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lambda", dest="lam", type=float, default=1.0)
    ap.add_argument("--min-hess", type=float, default=1.0)
    ap.add_argument("--out")
    a = ap.parse_args()

    Xtr, ytr = load(a.format, a.train, a.features)
    Xte, yte = load(a.format, a.test, a.features)
    params = {
        "tree_method": "hist", "grow_policy": "lossguide", "max_leaves": a.leaves,
        "max_depth": a.depth, "eta": a.lr, "max_bin": a.maxbin, "nthread": a.threads,
        "lambda": a.lam, "min_child_weight": a.min_hess, "gamma": 0, "seed": 1,
    }
    if a.classes == 2:
        params["objective"] = "binary:logistic"
    else:
        params["objective"] = "multi:softprob"
        params["num_class"] = a.classes

    start, cpu0 = time.perf_counter(), time.process_time()
    dtr = xgb.DMatrix(Xtr, label=ytr, nthread=a.threads)
    booster = xgb.train(params, dtr, num_boost_round=a.rounds)
    train_sec, train_cpu = time.perf_counter() - start, time.process_time() - cpu0

    start = time.perf_counter()
    dte = xgb.DMatrix(Xte, nthread=a.threads)
    p = booster.predict(dte)
    pred_sec = time.perf_counter() - start
    if a.classes == 2:
        p = np.column_stack([1 - p, p])
    p = p.astype(np.float64)
    acc = float((p.argmax(axis=1) == yte).mean())
    ll = float(-np.log(np.clip(p[np.arange(len(yte)), yte], 1e-15, None)).mean())
    res = {
        "name": a.name, "learner": "xgboost", "version": xgb.__version__,
        "train_rows": int(Xtr.shape[0]), "test_rows": int(Xte.shape[0]),
        "features": a.features, "classes": a.classes, "train_sec": train_sec, "train_cpu_sec": train_cpu,
        "predict_rows_per_sec": Xte.shape[0] / pred_sec, "accuracy": acc, "logloss": ll,
        "trees": len(booster.get_dump()),
    }
    line = json.dumps(res)
    print(line)
    if a.out:
        with open(a.out, "w") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
