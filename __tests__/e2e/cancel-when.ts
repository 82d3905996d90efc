import type { ChildProcess } from 'node:child_process';

/** As the runner cancels a step: SIGINT once `ready` holds, SIGTERM shortly after (it must not cut the report). */
export function cancelWhen(ready: () => boolean) {
  return (child: ChildProcess) => {
    const check = setInterval(() => {
      if (!ready()) return;
      clearInterval(check);
      child.kill('SIGINT');
      setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 300);
    }, 20);
    child.on('exit', () => clearInterval(check));
  };
}
