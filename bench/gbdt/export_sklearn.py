"""Export scikit-learn's bundled digits and breast-cancer sets to CSV
(label first, then features) with a fixed stratified 80/20 split, so the Go
and XGBoost sides read identical rows."""
import json
import os
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, loader in (("digits", load_digits), ("breast_cancer", load_breast_cancer)):
        X, y = loader(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
        for split, Xs, ys in (("train", Xtr, ytr), ("test", Xte, yte)):
            np.savetxt(os.path.join(out, f"{name}_{split}.csv"),
                       np.column_stack([ys, Xs]), delimiter=",", fmt="%.17g")
        with open(os.path.join(out, f"{name}.json"), "w") as f:
            json.dump({"features": X.shape[1], "classes": int(y.max()) + 1}, f)


if __name__ == "__main__":
    main(sys.argv[1])
