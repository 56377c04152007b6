/** Placement predicates of the memory scheduler: the Kubernetes rules of src/env/k8s. */
export { toleratesAll, toleratesTaint, type Toleration as TolerationLike } from '../../k8s/tolerations.js';
export { labelsMatch as selectorMatches } from '../../k8s/labels.js';
