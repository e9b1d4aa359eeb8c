import { splitImage } from '../../kustomize/transformers.js';
import { formatMessage } from '../message.js';
import { containers, POD_MATCH, violation } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule } from '../types.js';

const messages = {
  untagged: 'container "%s" image "%s" has no tag or digest: pin a version tag or a digest',
  latest: 'container "%s" image "%s" uses the tag latest: pin a version tag or a digest',
};

/** No `:latest` and no untagged image: what runs must be what was tested. */
export const imagePinned: PolicyRule = {
  id: 'image-pinned',
  constraintKind: 'OpsloopImagePinned',
  title: 'Images are pinned to a version tag (not latest) or a digest',
  severity: 'error',
  messages,
  match: POD_MATCH,
  check: (objects) =>
    containers(objects).flatMap((c) => {
      const image = c.container['image'];
      if (typeof image !== 'string') return [];
      const { tag, digest } = splitImage(image);
      if (digest !== undefined) return [];
      if (tag === undefined)
        return [
          violation(
            'image-pinned',
            c.pod.object,
            `${c.path}.image`,
            formatMessage(messages.untagged, [c.name, image]),
          ),
        ];
      if (tag === 'latest')
        return [
          violation(
            'image-pinned',
            c.pod.object,
            `${c.path}.image`,
            formatMessage(messages.latest, [c.name, image]),
          ),
        ];
      return [];
    }),
  rego: `last_segment(image) = segment {
  parts := split(image, "/")
  segment := parts[count(parts) - 1]
}

violation[{"msg": msg}] {
  c := containers[_]
  image := c.container.image
  not contains(image, "@")
  not contains(last_segment(image), ":")
  msg := sprintf(${regoString(messages.untagged)}, [c.container.name, image])
}

violation[{"msg": msg}] {
  c := containers[_]
  image := c.container.image
  not contains(image, "@")
  tag := split(last_segment(image), ":")[1]
  tag == "latest"
  msg := sprintf(${regoString(messages.latest)}, [c.container.name, image])
}
`,
};
