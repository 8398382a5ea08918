using BenchmarkDotNet.Running;

// bench/libvirt runs every benchmark: dotnet run -c Release --project Miniguest.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
