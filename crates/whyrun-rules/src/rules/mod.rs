//! The rules, one per file, and the table that lists them. A code is never reused: a
//! retired rule's code stays out of this table for good.

mod arm_float_abi_mismatch;
mod binary_not_from_source;
mod build_machine_rpath;
mod cgo_resolver_without_nss;
mod cgo_stub_linked;
mod cxx_abi_version_missing;
mod dirty_vcs_build;
mod glibc_binary_on_musl;
mod go_release_end_of_life;
mod go_runtime;
mod go_work_module_missing;
mod goamd64_level_above_cpu;
mod goarm_vfp_unsupported;
mod image_command_is_a_script;
mod image_command_missing;
mod import_not_provided;
mod inconsistent_vendoring;
mod kernel_too_old;
mod launch_address_family_restricted;
mod launch_apparmor_profile_denies;
mod launch_environment_file_missing;
mod launch_exec_not_runnable;
mod launch_file_capabilities_refused;
mod launch_namespace_path_missing;
mod launch_privileged_port;
mod launch_read_permission_denied;
mod launch_run_as_non_root_unverifiable;
mod launch_selinux_label_not_executable;
mod launch_service_user_missing;
mod launch_working_directory_missing;
mod launch_write_permission_denied;
mod launch_write_read_only;
mod library_not_found;
mod major_version_without_suffix;
mod missing_go_sum_entry;
mod missing_interpreter;
mod musl_binary_on_glibc;
mod no_ca_certificates;
mod no_passwd_for_os_user;
mod no_resolver_config;
mod no_zoneinfo;
mod noexec_mount;
mod not_executable;
mod plugin_needs_dynamic_loader;
mod run_as_user_missing;
mod script_interpreter_missing;
mod static_glibc_nss;
mod symbol_missing;
mod symbol_version_missing;
mod unknown_rule_code;
mod wrong_architecture;
mod wrong_class_library;
mod x86_isa_level_above_cpu;
// Build inputs (BUILD).
mod go_line_newer_than_old_toolchain;
mod go_mod_not_found;
mod go_mod_too_new_for_toolchain;
mod go_version_newer_than_toolchain;
mod gopath_package_not_found;
mod replace_directory_missing;
mod requirement_excluded;
mod std_package_newer_than_toolchain;
// Dockerfile stages (BUILD, LAUNCH).
mod cgo_without_c_compiler;
mod container_user_missing;
mod copy_source_missing;
mod dockerfile_not_followed;

pub use arm_float_abi_mismatch::ArmFloatAbiMismatch;
pub use binary_not_from_source::BinaryNotFromSource;
pub use build_machine_rpath::BuildMachineRpath;
pub use cgo_resolver_without_nss::CgoResolverWithoutNss;
pub use cgo_stub_linked::CgoStubLinked;
pub use cgo_without_c_compiler::CgoWithoutCCompiler;
pub use container_user_missing::ContainerUserMissing;
pub use copy_source_missing::CopySourceMissing;
pub use cxx_abi_version_missing::CxxAbiVersionMissing;
pub use dirty_vcs_build::DirtyVcsBuild;
pub use dockerfile_not_followed::DockerfileNotFollowed;
pub use glibc_binary_on_musl::GlibcBinaryOnMusl;
pub use go_line_newer_than_old_toolchain::GoLineNewerThanOldToolchain;
pub use go_mod_not_found::GoModNotFound;
pub use go_mod_too_new_for_toolchain::GoModTooNewForToolchain;
pub use go_release_end_of_life::GoReleaseEndOfLife;
pub use go_version_newer_than_toolchain::GoVersionNewerThanToolchain;
pub use go_work_module_missing::GoWorkModuleMissing;
pub use goamd64_level_above_cpu::Goamd64LevelAboveCpu;
pub use goarm_vfp_unsupported::GoarmVfpUnsupported;
pub use gopath_package_not_found::GopathPackageNotFound;
pub use image_command_is_a_script::ImageCommandIsAScript;
pub use image_command_missing::ImageCommandMissing;
pub use import_not_provided::ImportNotProvided;
pub use inconsistent_vendoring::InconsistentVendoring;
pub use kernel_too_old::KernelTooOld;
pub use launch_address_family_restricted::LaunchAddressFamilyRestricted;
pub use launch_apparmor_profile_denies::LaunchApparmorProfileDenies;
pub use launch_environment_file_missing::LaunchEnvironmentFileMissing;
pub use launch_exec_not_runnable::LaunchExecNotRunnable;
pub use launch_file_capabilities_refused::LaunchFileCapabilitiesRefused;
pub use launch_namespace_path_missing::LaunchNamespacePathMissing;
pub use launch_privileged_port::LaunchPrivilegedPort;
pub use launch_read_permission_denied::LaunchReadPermissionDenied;
pub use launch_run_as_non_root_unverifiable::LaunchRunAsNonRootUnverifiable;
pub use launch_selinux_label_not_executable::LaunchSelinuxLabelNotExecutable;
pub use launch_service_user_missing::LaunchServiceUserMissing;
pub use launch_working_directory_missing::LaunchWorkingDirectoryMissing;
pub use launch_write_permission_denied::LaunchWritePermissionDenied;
pub use launch_write_read_only::LaunchWriteReadOnly;
pub use library_not_found::LibraryNotFound;
pub use major_version_without_suffix::MajorVersionWithoutSuffix;
pub use missing_go_sum_entry::MissingGoSumEntry;
pub use missing_interpreter::MissingInterpreter;
pub use musl_binary_on_glibc::MuslBinaryOnGlibc;
pub use no_ca_certificates::NoCaCertificates;
pub use no_passwd_for_os_user::NoPasswdForOsUser;
pub use no_resolver_config::NoResolverConfig;
pub use no_zoneinfo::NoZoneinfo;
pub use noexec_mount::NoexecMount;
pub use not_executable::NotExecutable;
pub use plugin_needs_dynamic_loader::PluginNeedsDynamicLoader;
pub use replace_directory_missing::ReplaceDirectoryMissing;
pub use requirement_excluded::RequirementExcluded;
pub use run_as_user_missing::RunAsUserMissing;
pub use script_interpreter_missing::ScriptInterpreterMissing;
pub use static_glibc_nss::StaticGlibcNss;
pub use std_package_newer_than_toolchain::StdPackageNewerThanToolchain;
pub use symbol_missing::SymbolMissing;
pub use symbol_version_missing::SymbolVersionMissing;
pub use unknown_rule_code::UnknownRuleCode;
pub use wrong_architecture::WrongArchitecture;
pub use wrong_class_library::WrongClassLibrary;
pub use x86_isa_level_above_cpu::X86IsaLevelAboveCpu;

use crate::finding::Finding;
use crate::rule::{Input, Rule, RuleMeta};

/// Implements `Rule` for each rule, running it only over the kind of input its subject
/// names, and lists them all in `RULES`.
/// A rule listed under `Several` judges more than one kind of input and picks them itself
/// (`check_input`).
macro_rules! register {
    (
        $($kind:ident: [$($rule:ident),* $(,)?]),* ;
        Several: [$($several:ident),* $(,)?] $(,)?
    ) => {
        $($(
            impl Rule for $rule {
                fn meta(&self) -> &'static RuleMeta {
                    &$rule::META
                }
                fn check(&self, input: Input<'_>) -> Vec<Finding> {
                    match input {
                        Input::$kind(subject) => $rule::run(subject),
                        #[allow(unreachable_patterns)]
                        _ => Vec::new(),
                    }
                }
            }
        )*)*
        $(
            impl Rule for $several {
                fn meta(&self) -> &'static RuleMeta {
                    &$several::META
                }
                fn check(&self, input: Input<'_>) -> Vec<Finding> {
                    $several::check_input(input)
                }
            }
        )*
        /// Every rule of every subject.
        pub static RULES: &[&dyn Rule] = &[$($(&$rule,)*)* $(&$several),*];
    };
}

register! {
    Binary: [
        WrongArchitecture,
        ArmFloatAbiMismatch,
        Goamd64LevelAboveCpu,
        X86IsaLevelAboveCpu,
        GoarmVfpUnsupported,
        KernelTooOld,
        MissingInterpreter,
        GlibcBinaryOnMusl,
        MuslBinaryOnGlibc,
        StaticGlibcNss,
        LibraryNotFound,
        WrongClassLibrary,
        SymbolVersionMissing,
        SymbolMissing,
        CxxAbiVersionMissing,
        BuildMachineRpath,
        CgoStubLinked,
        NoCaCertificates,
        NoZoneinfo,
        NoPasswdForOsUser,
        CgoResolverWithoutNss,
        GoReleaseEndOfLife,
        DirtyVcsBuild,
        PluginNeedsDynamicLoader,
        NoResolverConfig,
        NoexecMount,
        RunAsUserMissing,
    ],
    ImageCommand: [ImageCommandMissing, ImageCommandIsAScript],
    Script: [ScriptInterpreterMissing],
    Config: [UnknownRuleCode],
    Build: [
        GoVersionNewerThanToolchain,
        GoModTooNewForToolchain,
        GoLineNewerThanOldToolchain,
        StdPackageNewerThanToolchain,
        GoModNotFound,
        GopathPackageNotFound,
        ReplaceDirectoryMissing,
        InconsistentVendoring,
        MissingGoSumEntry,
        MajorVersionWithoutSuffix,
        GoWorkModuleMissing,
        ImportNotProvided,
        RequirementExcluded,
        BinaryNotFromSource,
    ],
    Docker: [
        CgoWithoutCCompiler,
        CopySourceMissing,
        DockerfileNotFollowed,
        ContainerUserMissing,
    ],
    Launch: [
        LaunchEnvironmentFileMissing,
        LaunchServiceUserMissing,
        LaunchNamespacePathMissing,
        LaunchWorkingDirectoryMissing,
        LaunchExecNotRunnable,
        LaunchSelinuxLabelNotExecutable,
        LaunchFileCapabilitiesRefused,
        LaunchPrivilegedPort,
        LaunchAddressFamilyRestricted,
        LaunchApparmorProfileDenies,
        LaunchWriteReadOnly,
        LaunchReadPermissionDenied,
        LaunchRunAsNonRootUnverifiable,
        LaunchWritePermissionDenied,
    ];
    // The execute bit of a binary and of a script.
    Several: [NotExecutable],
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule documents itself fully: its doc comment is what `whyrun rule CODE`, the
    /// SARIF `rules[]` and the docs show.
    #[test]
    fn every_rule_has_its_doc_sections() {
        for rule in RULES {
            let m = rule.meta();
            let docs = m.docs_markdown();
            for section in [
                "## What it finds",
                "## Why it breaks",
                "## Example",
                "## Fix",
                "## References",
            ] {
                assert!(docs.contains(section), "{} lacks {section:?}", m.code);
            }
        }
    }

    #[test]
    fn codes_are_unique_and_prefixed_by_family() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in RULES {
            let m = rule.meta();
            assert!(seen.insert(m.code), "{} used twice", m.code);
            let prefix = m.family.prefix();
            let digits = m
                .code
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{} lacks {prefix}", m.code));
            assert!(
                digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                m.code
            );
            assert!(
                m.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{}",
                m.name
            );
        }
    }
}
