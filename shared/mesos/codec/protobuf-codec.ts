/**
 * The `application/x-protobuf` wire format: Mesos messages as protobuf (proto2) bytes.
 *
 * Encoding checks our object against the schema first (modelRules), because protobufjs would
 * silently drop an unknown key or enum name and crash on a missing required field. Decoding lets
 * protobufjs read the bytes (it rejects a missing required field, as Mesos's ParseFromString
 * does) and then normalizes to our form: enums as names, 64-bit as numbers, bytes as Buffers.
 */
import protobuf from 'protobufjs';
import { MesosError } from '../errors.js';
import { buildMesosCodec, codecFailure, errorText, typeNameOf, type MesosCodec, type MessageCodec } from './message-codec.js';
import { decodedRules, modelRules } from './model-rules.js';
import { walkMessage } from './walk-message.js';

export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

const checkModel = modelRules((bytes) => bytes);

const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = { enums: String, longs: Number };

export function protobufMessageCodec<T>(type: protobuf.Type): MessageCodec<T> {
  const typeName = typeNameOf(type);
  const context = { type: typeName, format: 'protobuf' };
  return {
    typeName,
    encode(message: T): Uint8Array {
      try {
        const plain = walkMessage(type, message, checkModel);
        return type.encode(type.fromObject(plain)).finish();
      } catch (error) {
        throw codecFailure(error, `cannot encode ${typeName} as protobuf`, context);
      }
    },
    decode(data: Uint8Array): T {
      let plain: Record<string, unknown>;
      try {
        // A Buffer makes protobufjs hand out bytes fields as Buffers, the same as the JSON codec.
        const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        plain = type.toObject(type.decode(buffer), TO_OBJECT_OPTIONS);
      } catch (error) {
        throw new MesosError('MESOS_DECODE_FAILED', `cannot decode ${typeName} from ${data.length} protobuf bytes: ${errorText(error)}`, {
          cause: error,
          context,
        });
      }
      try {
        return walkMessage(type, plain, decodedRules) as T;
      } catch (error) {
        throw codecFailure(error, `invalid ${typeName} in protobuf`, context);
      }
    },
  };
}

/** The protobuf codecs of every message of our subset. */
export const protobufCodec: MesosCodec = buildMesosCodec('protobuf', PROTOBUF_CONTENT_TYPE, protobufMessageCodec);
