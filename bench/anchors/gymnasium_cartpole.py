"""Anchor for bench/envs: Gymnasium's CartPole-v1 stepped the same way as RLTune's benchmark.

gym.make("CartPole-v1") with its default wrappers, actions from env.action_space.sample(), reset at episode
end. Prints one JSON object. Needs `pip install gymnasium`; prints {"available": false, ...} without it.
"""
import json
import statistics
import sys
import time

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
try:
    import gymnasium as gym
except ImportError as err:
    print(json.dumps({"available": False, "why": f"gymnasium is not installed: {err}"}))
    sys.exit(0)


def run(env, n):
    t0 = time.perf_counter()
    for _ in range(n):
        _obs, _r, terminated, truncated, _info = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    return n / (time.perf_counter() - t0)


env = gym.make("CartPole-v1")
env.action_space.seed(0)
env.reset(seed=0)
run(env, min(steps, 20_000))
runs = [run(env, steps) for _ in range(reps)]
raw = env.unwrapped
raw_runs = [run(raw, steps) for _ in range(reps)]
print(json.dumps({
    "available": True,
    "gymnasium": gym.__version__,
    "python": sys.version.split()[0],
    "make_steps_per_s": round(statistics.median(runs)),
    "make_runs": [round(r) for r in runs],
    "raw_steps_per_s": round(statistics.median(raw_runs)),
}))
