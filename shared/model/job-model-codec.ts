import { SluiceError } from '../errors.js';
import { decodeJobModelV1, encodeJobModelV1, FORMAT_V1 } from './codec/job-model-v1.js';
import { validateJobModel, type JobModel } from './job-model.js';

/**
 * The job model as bytes for ZooKeeper. Every document carries `format`, so a scheduler that meets
 * a newer format says so instead of misreading it; one file per format lives in ./codec/.
 */
export const JOB_MODEL_FORMAT = FORMAT_V1;

/** Canonical JSON in the current format: equal models encode to equal text. */
export function encodeJobModel(model: JobModel): string {
  validateJobModel(model);
  return encodeJobModelV1(model);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads what `encodeJobModel` wrote (a string, or the bytes of a ZooKeeper node). Corrupt data
 * throws a SluiceError naming the broken part: MODEL_CODEC_NOT_UTF8, MODEL_CODEC_NOT_JSON,
 * MODEL_CODEC_FORMAT_UNSUPPORTED, MODEL_CODEC_FIELD_INVALID (with the field's path), or the
 * validateJobModel code for a well-formed but inconsistent model.
 */
export function decodeJobModel(data: string | Uint8Array): JobModel {
  let text: string;
  try {
    text = typeof data === 'string' ? data : utf8.decode(data);
  } catch (cause) {
    throw new SluiceError('MODEL_CODEC_NOT_UTF8', 'job model data is corrupt: it is not UTF-8 text', { cause });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    const start = JSON.stringify(text.slice(0, 40));
    const problem = `it is not JSON (${text.length} characters, starting ${start})`;
    throw new SluiceError('MODEL_CODEC_NOT_JSON', `job model data is corrupt: ${problem}`, { cause });
  }
  const format = typeof document === 'object' && document !== null ? (document as { format?: unknown }).format : undefined;
  if (typeof format === 'number' && Number.isSafeInteger(format) && format > FORMAT_V1) {
    throw new SluiceError(
      'MODEL_CODEC_FORMAT_UNSUPPORTED',
      `job model data has format ${format}, newer than the format ${FORMAT_V1} this Sluice reads: ` +
        'a newer scheduler wrote it; upgrade this one',
      { context: { format } },
    );
  }
  if (format !== FORMAT_V1) {
    const found = JSON.stringify(format) ?? 'missing';
    throw new SluiceError('MODEL_CODEC_FIELD_INVALID', `job model data is corrupt: format is ${found}; expected ${FORMAT_V1}`, {
      context: { path: 'format' },
    });
  }
  const model = decodeJobModelV1(document);
  validateJobModel(model);
  return model;
}
