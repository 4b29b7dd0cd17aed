"""Built-in default descriptor values (namespace ``uri://ed-fi.org/<Name>``), used without a descriptor dir.

The set covers what the assessment bundles and roster seeding need; the code values are those of the Ed-Fi
Data Standard's default descriptors.
"""

BUILTIN_DESCRIPTORS: dict[str, tuple[str, ...]] = {
    "GradeLevelDescriptor": ("Ninth grade",),
}
