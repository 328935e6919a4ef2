{
  "targets": [
    {
      "target_name": "airlock_native",
      "sources": ["src/native/addon.c", "src/native/relay.c", "src/native/mac-chain.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
