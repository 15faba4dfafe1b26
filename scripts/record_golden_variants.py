"""Records transition tables of toy-text variants (non-default kwargs) from an installed Gymnasium, in the
golden format of docs/golden-traces.md plus a "kwargs" field (RLTune's camelCase names, passed to make()).

    pip install gymnasium && python3 scripts/record_golden_variants.py test/golden-variants

These complement the shared traces (which cover the default kwargs only). The tables are recorded once and
kept in the repository; the tests never need Python.
"""
import json
import os
import sys

import gymnasium as gym

VARIANTS = [
    # (file stem, env id, reference kwargs, RLTune kwargs)
    ("Taxi-v4-rainy", "Taxi-v4", {"is_rainy": True}, {"isRainy": True}),
    ("Taxi-v4-rainy-0.6", "Taxi-v4", {"is_rainy": True, "rainy_probability": 0.6}, {"isRainy": True, "rainyProbability": 0.6}),
    ("CliffWalkingSlippery-v1", "CliffWalkingSlippery-v1", {}, {}),
    ("FrozenLake-v1-not-slippery", "FrozenLake-v1", {"is_slippery": False}, {"isSlippery": False}),
    ("FrozenLake-v1-success-0.5", "FrozenLake-v1", {"success_rate": 0.5, "reward_schedule": (2, -1, -0.01)},
     {"successRate": 0.5, "rewardSchedule": [2, -1, -0.01]}),
    ("FrozenLake-v1-custom-map", "FrozenLake-v1", {"desc": ["SFFH", "FHFG", "FFFF"]}, {"desc": ["SFFH", "FHFG", "FFFF"]}),
]


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for stem, env_id, ref_kwargs, kwargs in VARIANTS:
        env = gym.make(env_id, **ref_kwargs).unwrapped
        P = {str(s): {str(a): [[float(p), int(ns), float(r), bool(t)] for p, ns, r, t in outs]
                      for a, outs in acts.items()} for s, acts in env.P.items()}
        doc = {
            "env": env_id,
            "reference": f"Gymnasium {gym.__version__}",
            "kwargs": kwargs,
            "reference_kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in ref_kwargs.items()},
            "n_states": int(env.observation_space.n),
            "n_actions": int(env.action_space.n),
            "note": "P[s][a] = list of [probability, next_state, reward, terminated]",
            "P": P,
        }
        with open(os.path.join(out_dir, stem + ".json"), "w") as f:
            json.dump(doc, f)
        print(stem, doc["n_states"], "states")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "test/golden-variants")
