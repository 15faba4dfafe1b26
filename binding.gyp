{
  "targets": [
    {
      "target_name": "rltune_nn",
      "sources": ["native/mlp.c"],
      "cflags": ["-O3", "-march=native", "-fno-math-errno", "-std=gnu11"],
      "cflags!": ["-O0", "-O1", "-O2", "-Os", "-ffast-math"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_OPTIMIZATION_LEVEL": "3",
            "OTHER_CFLAGS": ["-fno-math-errno", "-std=gnu11"],
            "conditions": [
              ["target_arch=='arm64'", { "OTHER_CFLAGS+": ["-mcpu=native"] }, { "OTHER_CFLAGS+": ["-march=native"] }]
            ]
          }
        }]
      ]
    }
  ]
}
