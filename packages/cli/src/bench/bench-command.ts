import { type Command, Option } from 'commander';
import { BACKEND_NAMES } from '../image-predictor.js';
import type { CliIo } from '../run-predict.js';
import { BENCH_DEFAULTS, BENCH_STRATEGIES, type BenchFlags, benchOptionsFromFlags } from './bench-options.js';
import { runBench } from './run-bench.js';

/** Adds `yolokit bench` to the program; `io` is where it writes. */
export function addBenchCommand(program: Command, io: CliIo): void {
  program
    .command('bench')
    .summary('measure strategies (throughput, latency, event loop, memory, CPU) against bare session.run; --sweep finds the best')
    .description(
      'Measure each concurrency strategy on your machine: images/s, latency percentiles, queue wait against compute, the main ' +
        "thread's event-loop delay, peak memory of every process and CPU use; warm-up excluded, several rounds, medians. " +
        'Baselines in the same run: a bare session.run at the same workers × threads, and one single-threaded instance. ' +
        'The queue strategy (@yolokit/queue) starts yolokit worker processes on this machine, one model instance each, and ' +
        'sends the requests through Redis (--redis, or a private redis-server).',
    )
    .option('-m, --model <file>', 'the model, an Ultralytics ONNX export')
    .addOption(new Option('--backend <name>', 'the runtime: onnx, onnx-web or tfjs').choices(BACKEND_NAMES).default('onnx'))
    .option('--images <paths...>', 'image files, folders (the images directly inside) or globs, cycled through')
    .option('--strategies <list>', `comma-separated, from ${BENCH_STRATEGIES.join(', ')} (default: ${BENCH_DEFAULTS.strategies.join(',')})`)
    .option('--concurrency <list>', `requests kept in flight, comma-separated; each is one measurement (default: ${BENCH_DEFAULTS.concurrency.join(',')})`)
    .option('--workers <list>', 'workers of threads/processes, yolokit worker processes of queue; a comma-separated list is one setup each (default: cores / threads per worker); narrows --sweep')
    .option('--threads-per-worker <count>', "the runtime's intra-op threads per instance (default: pools 1, locked all cores); narrows --sweep")
    .option('--duration <time>', `how long each measurement runs, such as 20s or 1.5m (default: ${BENCH_DEFAULTS.durationMs / 1000}s)`)
    .option('--requests <count>', 'instead of --duration: requests completed per measurement')
    .option('--rounds <count>', `rounds over every configuration, order rotated; medians are reported (default: ${BENCH_DEFAULTS.rounds})`)
    .option('--warmup <count>', 'requests run and not counted after a setup is opened (default: 2 per worker)')
    .option('--sweep', 'every workers × threads per worker that fits the cores, for each strategy')
    .option('--allow-oversubscribe', 'allow setups of --workers × --threads-per-worker above 4 per core (refused without it)')
    .option('--redis <url>', 'the Redis of --strategies queue, redis://host:port (default: a private redis-server started for the run, if one is on the PATH)')
    .option('--json <file>', 'write the results as JSON (schema yolokit.bench, version 1, see the README); - writes them to stdout')
    .option('--markdown <file>', 'write the tables as Markdown')
    .option('--no-progress', 'no progress on stderr (a bar on a terminal, else one line per measurement)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  yolokit bench --model yolov8n.onnx --images coco/images --strategies locked,threads,processes --concurrency 1,4,16',
        '  yolokit bench --model yolov8n.onnx --images photos/ --strategies threads,processes,auto --concurrency 8 --sweep --json bench.json',
        '  yolokit bench --model yolov8n.onnx --images photos/ --strategies queue,processes --workers 1,2,3 --threads-per-worker 1 --concurrency 8',
        '  yolokit bench --model yolov8n.onnx --images photos/ --strategies queue --redis redis://10.0.0.5:6379 --sweep',
      ].join('\n'),
    )
    .action(async (flags: BenchFlags) => {
      await runBench(benchOptionsFromFlags(flags), io);
    });
}
