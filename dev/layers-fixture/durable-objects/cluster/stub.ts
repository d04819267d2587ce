export const clusterObject = 'stub';
