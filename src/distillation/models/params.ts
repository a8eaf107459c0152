import { tf } from '../backend.js';
import { rng } from '../../core/random.js';

/** Creates a model's variables from one seed, in a fixed order, so a seed reproduces the weights. */
export class ParamFactory {
  readonly variables: tf.Variable[] = [];
  private readonly rand: () => number;

  constructor(
    seed: number,
    private readonly prefix: string,
  ) {
    this.rand = rng(seed);
  }

  private nextSeed(): number {
    return Math.floor(this.rand() * 2 ** 31);
  }

  private add(name: string, t: tf.Tensor): tf.Variable {
    const v = tf.variable(t, true, `${this.prefix}/${name}`);
    t.dispose();
    this.variables.push(v);
    return v;
  }

  /** Glorot-uniform weight matrix. */
  dense(name: string, fanIn: number, fanOut: number): tf.Variable {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return this.add(name, tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', this.nextSeed()));
  }

  /** Normal(0, std) initialisation, for embeddings. */
  normal(name: string, shape: number[], std: number): tf.Variable {
    return this.add(name, tf.randomNormal(shape, 0, std, 'float32', this.nextSeed()));
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.add(name, tf.zeros(shape));
  }

  ones(name: string, shape: number[]): tf.Variable {
    return this.add(name, tf.ones(shape));
  }
}

export function countParams(vars: readonly tf.Variable[]): number {
  return vars.reduce((a, v) => a + v.size, 0);
}
