//! LAUNCH014: kubelet refuses a container whose `runAsNonRoot` it cannot verify or that
//! would run as root.

use crate::container::kubelet_non_root_refusal;
use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Kubernetes container with `runAsNonRoot: true` (its own `securityContext` or the
    /// pod's) that kubelet will refuse: `runAsUser: 0`; or, without `runAsUser`, an image
    /// whose `User` is a name (`app`, `app:app`: kubelet cannot know its uid), is `0`, or
    /// is not set (kubelet takes a missing user for root).
    ///
    /// ## Why it breaks
    /// kubelet checks this before it asks the runtime to create the container
    /// (verifyRunAsNonRoot); the container is never created and the pod stays in
    /// `CreateContainerConfigError`, the event saying `Error: container has runAsNonRoot
    /// and image has non-numeric user (app), cannot verify user is non-root`.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH014 blocks start  the container (k8s.yaml: Deployment web, container app): kubelet refuses it: container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root
    ///   · runAsNonRoot: true  [k8s.yaml:9]
    ///   · the image's User is app  [image config]
    ///   fix Give the container a numeric user
    ///       securityContext: {runAsUser: 10001}   (or USER 10001 in the Dockerfile)
    /// ```
    ///
    /// ## Fix
    /// Set a numeric `runAsUser` (not 0) in the container's or pod's `securityContext`, or
    /// make the image's `USER` numeric (`USER 10001:10001`).
    ///
    /// ## References
    /// - kubernetes pkg/kubelet/kuberuntime/security_context_others.go
    ///   (verifyRunAsNonRoot) and kuberuntime_container.go (getImageUser: no user is root).
    /// - Kubernetes API, `SecurityContext.runAsNonRoot`.
    pub struct LaunchRunAsNonRootUnverifiable {
        code: "LAUNCH014",
        name: "run-as-non-root-unverifiable",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "runAsNonRoot with a named, root or missing image user: kubelet refuses the container (CreateContainerConfigError)",
    }
}

impl LaunchRunAsNonRootUnverifiable {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        let Some(c) = s.container.as_ref().filter(|c| c.kubernetes) else {
            return Vec::new();
        };
        let Some((message, at)) = kubelet_non_root_refusal(c) else {
            return Vec::new();
        };
        let mut f = Self::META
            .finding(format!("{}: kubelet refuses it: {message}", s.what()))
            .evidence(
                "runAsNonRoot: true",
                c.run_as_non_root
                    .as_ref()
                    .map_or(at.as_str(), |n| n.at.as_str()),
            );
        f = match (&c.run_as_user, &c.image_user) {
            (Some(u), _) => f.evidence(format!("runAsUser: {}", u.value), u.at.as_str()),
            (None, Some(u)) => f.evidence(format!("the image's User is {u}"), "image config"),
            (None, None) => f.evidence("the image sets no User (root)", "image config"),
        };
        vec![f.fix(
            "Give the container a numeric user",
            vec!["securityContext: {runAsUser: 10001}   (or USER 10001 in the Dockerfile)".into()],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::sample as container;
    use crate::launch::{sample, Set};

    fn subject(image_user: Option<&str>) -> LaunchSubject {
        let mut c = container(None);
        c.kubernetes = true;
        c.origin = "k8s.yaml: Deployment web, container app".into();
        c.run_as_non_root = Some(Set {
            value: true,
            at: "k8s.yaml:9".into(),
        });
        c.image_user = image_user.map(str::to_string);
        let mut s = sample();
        s.unit = None;
        s.container = Some(c);
        s
    }

    #[test]
    fn a_named_image_user_is_refused() {
        let f = LaunchRunAsNonRootUnverifiable::run(&subject(Some("app")));
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .message
            .ends_with("container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root"));
        assert_eq!(LaunchRunAsNonRootUnverifiable::run(&subject(None)).len(), 1);
    }

    #[test]
    fn a_numeric_user_or_no_kubernetes_passes() {
        assert!(LaunchRunAsNonRootUnverifiable::run(&subject(Some("10001:10001"))).is_empty());
        let mut s = subject(Some("app"));
        s.container.as_mut().unwrap().kubernetes = false;
        assert!(LaunchRunAsNonRootUnverifiable::run(&s).is_empty());
    }

    /// The messages are kubelet's own format strings (the file is kept under
    /// fixtures/kubernetes, Apache-2.0, with the commit it was taken from).
    #[test]
    fn the_messages_are_kubelets_text() {
        let src = include_str!("../../../../fixtures/kubernetes/security_context_others.go");
        for m in [
            crate::container::KUBELET_NON_NUMERIC,
            crate::container::KUBELET_IMAGE_ROOT,
            crate::container::KUBELET_RUN_AS_USER_ROOT,
        ] {
            assert!(src.contains(&format!("\"{m} (pod:")), "{m}");
        }
    }
}
