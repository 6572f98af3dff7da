/**
 * The Mesos task of one container attempt: one task per container, run by its own Sluice executor
 * (a custom executor, since the container is a long-lived process with its own Mesos executor
 * API adapter). Pure: the attempt id is drawn by the caller from the injected uuid source.
 */
import { encodeTaskData, executorEnvironment } from '../../shared/config/executor-contract.js';
import type { EnvironmentVariable, Label, Resource, TaskInfo } from '../../shared/mesos/index.js';
import { CONTAINER_LABEL, JOB_LABEL } from './resource-format.js';
import { portNumbers } from './resource-math.js';
import type { LaunchSettings, StateStorage } from './snapshot.js';

export interface TaskInfoInput {
  readonly job: string;
  readonly container: string;
  /** A fresh uuid per attempt, so a relaunch never reuses the id of a task Mesos still remembers. */
  readonly attemptId: string;
  readonly jobModelVersion: number;
  readonly agentId: string;
  readonly frameworkId: string;
  /** The task's share of the offer, in the form the ACCEPT leaves it (reserved, with the volume). */
  readonly resources: readonly Resource[];
  readonly storage: StateStorage;
  readonly launch: LaunchSettings;
}

/** `<job>.<container>.<attempt>`: readable in the Mesos UI, unique by the attempt's uuid. */
export function taskIdOf(job: string, container: string, attemptId: string): string {
  return `${job}.${container}.${attemptId}`;
}

/**
 * Where the stores live. A volume appears at its container_path inside the sandbox, the
 * executor's working directory, so the relative path is right. A host dir gets the job's name
 * appended: jobs may share an agent and a dir, while tasks (hence store dirs) are unique in a job,
 * so a task that moves between containers on one host still finds its state.
 */
export function stateDirOf(storage: StateStorage, job: string): string {
  return storage.kind === 'persistent-volume' ? storage.containerPath : `${storage.path.replace(/\/+$/, '')}/${job}`;
}

export function buildTaskInfo(input: TaskInfoInput): TaskInfo {
  const taskId = taskIdOf(input.job, input.container, input.attemptId);
  const variables: EnvironmentVariable[] = executorEnvironment({
    jobConfig: input.launch.jobConfig,
    zookeeper: input.launch.zookeeper,
    kafkaBrokers: input.launch.kafkaBrokers,
    stateDir: stateDirOf(input.storage, input.job),
    ports: portNumbers(input.resources),
  });
  const labels: Label[] = [
    { key: JOB_LABEL, value: input.job },
    { key: CONTAINER_LABEL, value: input.container },
  ];
  return {
    name: `${input.job}.${input.container}`,
    task_id: { value: taskId },
    agent_id: { value: input.agentId },
    resources: [...input.resources],
    // One executor per attempt (its id is the task's): a relaunch never meets a still-terminating
    // executor of the same id, which Mesos would hand the new task to. The task carries all the
    // resources; an executor without any only draws a master warning.
    executor: {
      type: 'CUSTOM',
      executor_id: { value: taskId },
      framework_id: { value: input.frameworkId },
      name: `sluice ${input.job} container ${input.container}`,
      command: {
        uris: [{ value: input.launch.bundleUri, extract: true }],
        shell: true,
        value: input.launch.executorCommand,
        environment: { variables },
      },
      labels: { labels },
    },
    data: encodeTaskData({ container: input.container, jobModelVersion: input.jobModelVersion }),
    labels: { labels },
  };
}
