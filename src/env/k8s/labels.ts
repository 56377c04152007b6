import type { V1LabelSelector } from '@kubernetes/client-node';

/**
 * Label matching: equality maps (a pod's `nodeSelector`, a selector's `matchLabels`) and full
 * label selectors with `matchExpressions`, as apimachinery's `LabelSelectorAsSelector` reads
 * them.
 */

export type Labels = Readonly<Record<string, string>>;

/**
 * A label selector (V1LabelSelector's shape, spelled out so that simenv's public declarations
 * name no client-node type; the check below keeps the two together).
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}
const v1Fits: V1LabelSelector extends LabelSelector ? true : never = true;
void v1Fits;

/** Whether `labels` hold every pair of `required` (nodeSelector, matchLabels). */
export function labelsMatch(required: Labels, labels: Labels | undefined): boolean {
  for (const k of Object.keys(required)) {
    if (labels?.[k] !== required[k]) return false;
  }
  return true;
}

/**
 * Whether `labels` satisfy a label selector: every matchLabels pair and every
 * matchExpressions requirement (In, NotIn, Exists, DoesNotExist). An empty selector matches
 * everything; an unknown operator matches nothing (the API server would have refused it).
 */
export function labelSelectorMatches(selector: LabelSelector, labels: Labels | undefined): boolean {
  if (selector.matchLabels && !labelsMatch(selector.matchLabels, labels)) return false;
  for (const req of selector.matchExpressions ?? []) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
