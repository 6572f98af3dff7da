/**
 * The containers' own status reports (tasks, lag, restore progress, processed count), fetched from
 * the status URL each container registers in ZooKeeper, over HTTPS when the job's containers serve
 * it (trusting `access.ca`) and with the job's read token. A container that does not answer within
 * the timeout is left out: the job state must not hang on one slow executor. When none answers, the
 * first failure is thrown, so the caller can say why (a refused token, an untrusted certificate).
 */
import { ContainerRegistry } from '../../shared/coordination/container-registry.js';
import type { ZkSession } from '../../shared/coordination/zk-session.js';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { describeError, SluiceError } from '../../shared/errors.js';
import { httpRequest, type ApiAccess } from '../../shared/http/http-request.js';

export async function readContainerReports(
  session: ZkSession,
  job: string,
  access: ApiAccess = {},
  timeoutMs = 1_000,
): Promise<Map<string, ContainerStatusReport>> {
  const live = (await new ContainerRegistry(session, job).list()).filter(({ url }) => url !== null);
  const answers = await Promise.all(
    live.map(async ({ id, url }) => {
      try {
        const answer = await httpRequest(`${url}/status`, { ...access, timeoutMs });
        if (answer.status === 401 || answer.status === 403) {
          return new SluiceError(
            'CONTAINER_REPORT_REFUSED',
            `container ${id} (${url}) refused the scheduler's read token (HTTP ${answer.status}): the scheduler's --read-token-file and the job config's api.read-token-file must hold the same token`,
          );
        }
        return answer.status === 200 ? ([id, JSON.parse(answer.text) as ContainerStatusReport] as const) : undefined;
      } catch (error) {
        return new SluiceError('CONTAINER_REPORT_UNREADABLE', `container ${id} (${url}) did not report: ${describeError(error)}`, {
          cause: error,
        });
      }
    }),
  );
  const reports = answers.filter((answer): answer is readonly [string, ContainerStatusReport] => Array.isArray(answer));
  const failure = answers.find((answer) => answer instanceof SluiceError);
  if (reports.length === 0 && failure !== undefined) throw failure;
  return new Map(reports);
}
